/// One JSON value of an id_token's claims, decoded so that a boolean stays a boolean (never the number 1).
enum ClaimValue: Decodable, Sendable, Equatable {
    case string(String)
    case bool(Bool)
    case number(Double)
    case array([ClaimValue])
    case object([String: ClaimValue])
    case null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([ClaimValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: ClaimValue].self)) }
    }

    /// The string, if this is one.
    var string: String? { if case .string(let value) = self { value } else { nil } }
    /// The number, if this is one.
    var number: Double? { if case .number(let value) = self { value } else { nil } }
    /// The boolean, if this is one.
    var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
}
