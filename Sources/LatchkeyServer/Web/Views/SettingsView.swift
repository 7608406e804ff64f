/// `settings` (admins): the redirect URI to register, and a form per OAuth provider for its app.
struct SettingsView: PageView {
    static let template = "settings"

    /// One OAuth provider's app. The client secret is never part of the page.
    struct App: Encodable {
        let provider: String
        let providerName: String
        let configured: Bool
        let clientID: String?
        let action: String
    }

    let redirectURI: String
    let apps: [App]
}
