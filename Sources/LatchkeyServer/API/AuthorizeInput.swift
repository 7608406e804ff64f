/// `POST /api/v1/oauth/{provider}/authorize`: `{"name"?, "scopes"?, "credential_id"?, "fields"?}`, all optional.
struct AuthorizeInput: Decodable, Sendable {
    let name: String?
    let scopes: [String]?
    let credentialID: String?
    let fields: SecretFields?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, scopes, fields, credentialID = "credential_id"
    }
}
