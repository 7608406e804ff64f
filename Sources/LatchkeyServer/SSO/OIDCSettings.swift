import Foundation

/// Sign-in through the company's OpenID Connect provider (`LATCHKEY_OIDC_*`), read once at start-up.
public struct OIDCSettings: Sendable, Equatable, CustomStringConvertible {
    /// The issuer exactly as the provider names itself; its discovery document must say the same.
    public var issuer: String
    /// The client id registered with the provider for this deployment.
    public var clientID: String
    /// The client secret; sent only to the provider's token endpoint, never logged or shown.
    public var clientSecret: String
    /// Email domains allowed to sign in (lowercased), or nil when every domain is (`*`).
    public var allowedDomains: Set<String>?
    /// The claim that makes a new user an admin, when set.
    public var adminClaim: AdminClaim?

    /// Creates settings (the loader builds them from the environment; tests build them directly).
    public init(issuer: String, clientID: String, clientSecret: String, allowedDomains: Set<String>?, adminClaim: AdminClaim? = nil) {
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.allowedDomains = allowedDomains
        self.adminClaim = adminClaim
    }

    /// What the sign-in button names: the issuer's host.
    public var displayName: String { URLComponents(string: issuer)?.host ?? issuer }

    /// The discovery document's URL (OpenID Connect Discovery §4: the issuer, then the well-known path).
    var discoveryURL: String { (issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer) + "/.well-known/openid-configuration" }

    /// Whether an email's domain may sign in.
    func allows(email: String) -> Bool {
        guard let allowedDomains else { return true }
        guard let at = email.lastIndex(of: "@") else { return false }
        return allowedDomains.contains(String(email[email.index(after: at)...]).lowercased())
    }

    // The secret never reaches a log line through string interpolation of the settings.
    public var description: String { "OIDCSettings(issuer: \(issuer), clientID: \(clientID), clientSecret: ********)" }
}
