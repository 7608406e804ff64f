import Foundation

/// A view model as swift-mustache reads it: nested dictionaries, arrays, strings, numbers and booleans, keyed by
/// the snake_case names the templates use.
///
/// The model is encoded once to JSON and read back as a tree, so the names follow `Encodable` (no hand-written
/// keys). Nil and empty strings are left out at every depth: swift-mustache treats "" as true, so an absent help
/// text or error must be absent rather than empty (and `{{^empty(list)}}` still sees an empty list).
enum TemplateValues {
    static func of(_ model: some Encodable) throws -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let node = try JSONDecoder().decode(Node.self, from: encoder.encode(model))
        guard case .object(let object) = node else { throw EncodingError.invalidValue(model, .init(codingPath: [], debugDescription: "a page model encodes an object")) }
        return object.compactMapValues(\.value)
    }

    /// One JSON value, decoded strictly in this order: a boolean is never read as a number nor a whole number as a
    /// decimal, so `{{#flag}}` and `{{count}}` see what the model holds.
    enum Node: Decodable {
        case null, bool(Bool), int(Int), double(Double), string(String), array([Node]), object([String: Node])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let value = try? container.decode(Bool.self) { self = .bool(value) }
            else if let value = try? container.decode(Int.self) { self = .int(value) }
            else if let value = try? container.decode(Double.self) { self = .double(value) }
            else if let value = try? container.decode(String.self) { self = .string(value) }
            else if let value = try? container.decode([Node].self) { self = .array(value) }
            else { self = .object(try container.decode([String: Node].self)) }
        }

        /// The value for the template; nil for null and for an empty string.
        var value: Any? {
            switch self {
            case .null: nil
            case .bool(let value): value
            case .int(let value): value
            case .double(let value): value
            case .string(let value): value.isEmpty ? nil : value
            case .array(let items): items.compactMap(\.value) as [Any]
            case .object(let object): object.compactMapValues(\.value) as [String: Any]
            }
        }
    }
}
