/// `credentials`: the user's credentials, one page of them.
struct CredentialsView: PageView {
    static let template = "credentials"

    /// One credential in the table.
    struct Row: Encodable {
        let id: String
        let name: String
        let provider: String
        let providerName: String
        let authMode: String
        let status: String
        let statusLabel: String
        let statusClass: String
        let updatedAt: String
        let isOauth: Bool
        let needsReconnect: Bool
        let editURL: String
        let deleteURL: String
        let reconnectURL: String
    }

    let credentials: [Row]
    let empty: Bool
    let newURL = "/credentials/new"
    /// The next page, when there is one.
    let nextURL: String?

    init(credentials: [Row], nextURL: String?) {
        self.credentials = credentials
        empty = credentials.isEmpty
        self.nextURL = nextURL
    }
}
