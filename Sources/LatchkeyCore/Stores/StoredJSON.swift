import Foundation

/// How stores keep string maps, lists and audit details in one text column: JSON with sorted keys.
public enum StoredJSON {
    /// The JSON text of `value`. The empty string map and list (nearly every row's fields and scopes, written on
    /// every refresh) skip the JSON encoder.
    public static func encode<T: Encodable>(_ value: T) -> String {
        if let map = value as? [String: String], map.isEmpty { return "{}" }
        if let list = value as? [String], list.isEmpty { return "[]" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(value)).flatMap { String(data: $0, encoding: .utf8) } ?? "null"
    }

    /// The value stored as `text`.
    public static func decode<T: Decodable>(_ text: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    /// A string map as stored; the empty one (nearly every row) skips the JSON decoder.
    public static func decode(_ text: String) throws -> [String: String] {
        text == "{}" ? [:] : try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }

    /// A string list as stored; the empty one skips the JSON decoder.
    public static func decode(_ text: String) throws -> [String] {
        text == "[]" ? [] : try JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    /// The JSON text of `value`, or nil (SQL NULL) when there is none.
    public static func encodeIfPresent<T: Encodable>(_ value: T?) -> String? {
        value.map { encode($0) }
    }

    /// The value stored as `text`, nil for SQL NULL.
    public static func decodeIfPresent<T: Decodable>(_ text: String?) throws -> T? {
        guard let text else { return nil }
        return try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
