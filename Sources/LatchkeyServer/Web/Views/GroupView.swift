/// `group`: one agent group: its keys (a new one shown once), bindings, what to bind, warnings, and the controls
/// of what its agents may do (`GroupControlsView`).
struct GroupView: PageView {
    static let template = "group"

    /// The group itself.
    struct Header: Encodable {
        let id: String
        let name: String
    }

    /// One agent key, by its prefix.
    struct Key: Encodable {
        let id: String
        let prefix: String
        let createdAt: String
        let revokeAction: String
    }

    /// One bound credential.
    struct BoundCredential: Encodable {
        let provider: String
        let providerName: String
        let credentialName: String?
        let status: String
        let statusLabel: String
        let statusClass: String
        let unbindAction: String
    }

    /// A provider the user can bind a credential for.
    struct Bindable: Encodable {
        /// A credential to choose.
        struct Option: Encodable {
            let id: String
            let name: String
        }

        let provider: String
        let providerName: String
        /// The provider a warning's fix link (`?bind=`) points at.
        let highlighted: Bool
        let credentials: [Option]
        let hasCredentials: Bool
        let newCredentialURL: String
        let bindAction: String
    }

    /// Something about the group that needs a person, with the link that fixes it.
    struct Warning: Encodable {
        let kind: String
        let message: String
        let fixURL: String
        let fixLabel: String
    }

    let group: Header
    let keys: [Key]
    let keyAction: String
    let bindings: [BoundCredential]
    let bindable: [Bindable]
    let warnings: [Warning]
    let deleteAction: String
    let controls: GroupControlsView
    /// A key just created: the one time it is shown.
    var newKey: String?
    var proxyURL: String?
    var mcpURL: String?
}
