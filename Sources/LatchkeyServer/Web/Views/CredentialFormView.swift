/// `credential_form`: a new or edited credential, its fields generated from the provider's schema. Secret inputs
/// never carry a value.
struct CredentialFormView: PageView {
    static let template = "credential_form"

    /// The provider the credential is for.
    struct Provider: Encodable {
        let id: String
        let name: String
        let docs: String?
        let authMode: String
    }

    /// One input of the provider's schema.
    struct Field: Encodable {
        let name: String
        let label: String
        let help: String?
        let inputType: String
        let required: Bool
        let pattern: String?
        /// The entered or stored value; always empty for a secret.
        let value: String
        let placeholder: String?
        let error: String?
    }

    let isNew: Bool
    let isOauth: Bool
    let action: String
    let provider: Provider
    let name: String
    let nameError: String?
    let fields: [Field]
}
