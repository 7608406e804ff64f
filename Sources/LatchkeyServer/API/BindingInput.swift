/// `PUT /api/v1/groups/{id}/bindings/{provider}`: `{"credential_id", "policy"?}`; an absent or null policy allows
/// everything under the provider's base URL.
struct BindingInput: Decodable, Sendable {
    let credentialID: String
    let policy: PolicyInput?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case credentialID = "credential_id", policy
    }
}
