/// A body that must be an empty object when sent (`POST /api/v1/approvals/{id}/deny`): every key is refused.
struct EmptyInput: Decodable, Sendable {
    init(from decoder: any Decoder) throws {
        // Opening the object is what refuses its keys; a synthesized init without members would not open it.
        _ = try decoder.container(keyedBy: NoKeys.self)
    }

    /// The coding keys of an object with no members: no name is one.
    enum NoKeys: CodingKey {
        var stringValue: String { switch self {} }
        var intValue: Int? { nil }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { nil }
    }
}
