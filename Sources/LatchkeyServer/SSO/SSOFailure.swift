import HTTPTypes

/// A sign-in through the identity provider that did not happen: what the browser is told, and what the audit log keeps.
struct SSOFailure: Error, Sendable {
    /// The page's status.
    var status: HTTPResponse.Status
    /// What the page says (never a token or secret).
    var message: String
    /// A short, stable code for the audit log.
    var reason: String
    /// The verified email, when the refusal came after the id_token was checked.
    var email: String?

    init(_ status: HTTPResponse.Status, _ reason: String, _ message: String, email: String? = nil) {
        self.status = status
        self.reason = reason
        self.message = message
        self.email = email
    }
}
