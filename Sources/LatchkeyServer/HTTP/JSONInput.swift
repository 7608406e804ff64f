import Foundation
import Hummingbird
import LatchkeyCore

/// A request's JSON object body, read strictly: content type, size, UTF-8, shape and allowed keys are checked
/// before any handler sees a value, so bad input changes nothing.
struct JSONInput {
    let object: [String: Any]

    /// Reads and checks the body; `allowed` lists the keys the route accepts.
    static func read(_ request: Request, limit: Int, allowed: Set<String>) async throws -> JSONInput {
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/json" else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "request bodies must be JSON, sent with Content-Type: application/json")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw LatchkeyError.payloadTooLarge(limit: limit)
        }
        let body = request.body
        let buffer: ByteBuffer
        do { buffer = try await body.collect(upTo: limit) } catch { throw LatchkeyError.payloadTooLarge(limit: limit) }
        let bytes = Array(buffer.readableBytesView)
        guard String(validating: bytes, as: UTF8.self) != nil else { throw LatchkeyError.badRequest("the body is not valid UTF-8") }
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: []) } catch {
            throw LatchkeyError.badRequest("the body is not valid JSON")
        }
        guard let object = parsed as? [String: Any] else { throw LatchkeyError.badRequest("the body must be a JSON object") }
        for key in object.keys.sorted() where !allowed.contains(key) {
            throw LatchkeyError.validationFailed(field: key, message: "'\(key)' is not accepted here; accepted: \(allowed.sorted().joined(separator: ", "))")
        }
        return JSONInput(object: object)
    }

    /// A string value; nil when absent (or, unless `required`, JSON null).
    func string(_ key: String, required: Bool) throws(LatchkeyError) -> String? {
        switch object[key] {
        case nil, is NSNull:
            if required { throw .validationFailed(field: key, message: "'\(key)' is required") }
            return nil
        case let value as String: return value
        default: throw .validationFailed(field: key, message: "'\(key)' must be a string")
        }
    }

    /// An object of string values (numbers allowed for `numericKeys`, given as their decimal text).
    func stringMap(_ key: String, required: Bool, numericKeys: Set<String> = []) throws(LatchkeyError) -> [String: String]? {
        switch object[key] {
        case nil, is NSNull:
            if required { throw .validationFailed(field: key, message: "'\(key)' is required") }
            return nil
        case let map as [String: Any]:
            var result: [String: String] = [:]
            for (name, value) in map {
                if let text = value as? String {
                    result[name] = text
                } else if numericKeys.contains(name), let number = value as? NSNumber, String(cString: number.objCType) != "c" {
                    result[name] = number.stringValue
                } else {
                    throw .validationFailed(field: "\(key).\(name)", message: "'\(key).\(name)' must be a string")
                }
            }
            return result
        default:
            throw .validationFailed(field: key, message: "'\(key)' must be an object")
        }
    }
}
