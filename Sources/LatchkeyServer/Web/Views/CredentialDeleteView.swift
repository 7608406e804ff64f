/// `credential_delete`: the confirmation before a credential is deleted.
struct CredentialDeleteView: PageView {
    static let template = "credential_delete"

    /// The credential about to go.
    struct Target: Encodable {
        let id: String
        let name: String
        let providerName: String
    }

    let credential: Target
    let action: String
}
