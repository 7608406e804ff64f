import Foundation
import Hummingbird
import LatchkeyCore

/// A request's JSON object body, read strictly into a typed input: content type, size, UTF-8 and JSON are checked,
/// then `StrictDecoder` refuses unknown keys and wrong types naming the field, all before a handler sees a value,
/// so bad input changes nothing.
enum JSONBody {
    /// Reads the body and decodes it as `T`.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        try StrictDecoder.decode(type, from: try await read(request, limit: limit))
    }

    /// Reads and checks the body: a JSON object sent as `application/json`, at most `limit` bytes.
    static func read(_ request: Request, limit: Int) async throws -> JSONValue {
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
        return try parse(Array(buffer.readableBytesView))
    }

    /// The body's bytes as a JSON object.
    static func parse(_ bytes: [UInt8]) throws(LatchkeyError) -> JSONValue {
        guard String(validating: bytes, as: UTF8.self) != nil else { throw .badRequest("the body is not valid UTF-8") }
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: []) } catch {
            throw .badRequest("the body is not valid JSON")
        }
        guard parsed is [String: Any], let value = JSONValue(parsed: parsed) else { throw .badRequest("the body must be a JSON object") }
        return value
    }
}
