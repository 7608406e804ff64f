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

    /// The failure an OAuth `error` code means. The code comes from the provider (or whoever answers at its token
    /// URL) and is logged, stored as `status_reason` and shown: it is reduced to `[A-Za-z0-9_.-]{1,64}` first, so it
    /// can forge no log line, carry no control character and plant no markup.
    public static func classify(code: String) -> TokenEndpointError {
        let safe = sanitized(code)
        return permanentCodes.contains(safe) ? .permanent(code: safe) : .transient(reason: safe)
    }

    /// `code` with every character outside `[A-Za-z0-9_.-]` dropped, at most 64 long; `unrecognised_error` if
    /// nothing is left.
    public static func sanitized(_ code: String) -> String {
        let kept = code.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0)) }
        let text = String(String.UnicodeScalarView(kept.prefix(64)))
        return text.isEmpty ? "unrecognised_error" : text
    }

    /// A short reason for status fields and logs (never a token).
    public var reason: String {
        switch self {
        case .permanent(let code): code
        case .transient(let reason): reason
        }
    }
}
