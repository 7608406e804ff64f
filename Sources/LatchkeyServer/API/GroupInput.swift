/// `POST /api/v1/groups`: `{"name"}`.
struct GroupInput: Decodable, Sendable {
    let name: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name
    }
}
