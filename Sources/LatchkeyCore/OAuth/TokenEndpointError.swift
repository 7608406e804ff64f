/// Why a token request failed, split the way the refresh engine acts on it.
public enum TokenEndpointError: Error, Sendable, Equatable {
    /// The grant or the client is no longer good: only new consent (or a fixed OAuth app) helps. Never retried.
    case permanent(code: String)
    /// An outage, a rate limit or an answer we could not read: retried with back-off.
    case transient(reason: String)

    /// OAuth error codes that no retry can fix (RFC 6749 §5.2), plus the spellings some providers use for them.
    public static let permanentCodes: Set<String> = [
        "invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope",
        "invalid_refresh_token", "token_revoked", "refresh_token_expired", "app_uninstalled",
    ]

    /// The failure an OAuth `error` code means.
    public static func classify(code: String) -> TokenEndpointError {
        permanentCodes.contains(code) ? .permanent(code: code) : .transient(reason: code)
    }

    /// A short reason for status fields and logs (never a token).
    public var reason: String {
        switch self {
        case .permanent(let code): code
        case .transient(let reason): reason
        }
    }
}
