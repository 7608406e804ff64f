/// `providers`: the catalog (searchable), the user's own remote MCP servers, and the form that adds one (with what
/// was entered when it comes back with an error).
struct ProvidersView: PageView {
    static let template = "providers"

    /// One provider of the catalog.
    struct Row: Encodable {
        /// One field of the provider's credential schema.
        struct Field: Encodable {
            let name: String
            let label: String
            let secret: Bool
        }

        let id: String
        let name: String
        let authMode: String
        let authLabel: String
        let docs: String?
        let description: String?
        let baseURL: String
        let fields: [Field]
    }

    /// One of the user's remote MCP servers.
    struct OwnServer: Encodable {
        let id: String
        let name: String
        let url: String
        let authLabel: String
    }

    /// The words searched for.
    let q: String
    let providers: [Row]
    let ownServers: [OwnServer]
    let inputID: String?
    let inputName: String?
    let inputURL: String?
    let inputHeader: String?
}
