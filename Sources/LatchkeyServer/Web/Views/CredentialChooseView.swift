/// `credential_choose`: the providers to pick from before the credential form, narrowed by a search.
struct CredentialChooseView: PageView {
    static let template = "credential_choose"

    /// One provider to choose.
    struct Choice: Encodable {
        let id: String
        let name: String
        let authMode: String
        let authLabel: String
        let url: String
    }

    /// The words searched for.
    let q: String
    let providers: [Choice]
}
