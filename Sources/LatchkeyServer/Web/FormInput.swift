import Foundation
import Hummingbird
import LatchkeyCore

/// An `application/x-www-form-urlencoded` body (what plain HTML forms send), read with a size limit.
struct FormInput: Sendable {
    let values: [String: String]

    static func read(_ request: Request, limit: Int = 64 * 1024) async throws -> FormInput {
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/x-www-form-urlencoded" else { throw LatchkeyError.badRequest("forms are sent as application/x-www-form-urlencoded") }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch { throw LatchkeyError.payloadTooLarge(limit: limit) }
        guard let text = String(validating: Array(buffer.readableBytesView), as: UTF8.self) else { throw LatchkeyError.badRequest("the form is not valid UTF-8") }
        return FormInput(values: parse(text))
    }

    static func parse(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(String(parts[0]))
            if values[key] == nil { values[key] = parts.count > 1 ? decode(String(parts[1])) : "" }
        }
        return values
    }

    static func decode(_ text: String) -> String { text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }

    subscript(_ key: String) -> String? { values[key] }

    /// The query string decoded the way browsers encode GET forms (`+` is a space).
    static func query(_ request: Request) -> [String: String] {
        request.uri.query.map(parse) ?? [:]
    }

    /// Fields named `field.NAME`, by NAME, without empty ones when `dropEmpty`.
    func fields(dropEmpty: Bool) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in values where key.hasPrefix("field.") {
            if dropEmpty && value.isEmpty { continue }
            result[String(key.dropFirst("field.".count))] = value
        }
        return result
    }
}
