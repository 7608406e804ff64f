/// Domain errors. They carry no HTTP status: the server maps each to SPEC's JSON error shape in one place.
public enum LatchkeyError: Error, Sendable, Equatable {
    /// Malformed input.
    case badRequest(String)
    /// A field failed validation; `field` names it (e.g. `fields.api_key`).
    case validationFailed(field: String, message: String)
    /// No credentials, or unknown ones.
    case unauthorized
    /// Authenticated but not allowed.
    case forbidden(String)
    /// No such record, or another user's.
    case notFound(String)
    /// A duplicate.
    case conflict(String)
    /// The provider is not in the catalog.
    case unknownProvider(String)
    /// The agent's group has no binding for the provider.
    case credentialMissing(provider: String, setupURL: String)
    /// The bound OAuth credential needs new consent.
    case credentialNeedsReauth(provider: String, setupURL: String)
    /// The token is expired and refreshing it failed for now.
    case refreshFailed(provider: String)
    /// A request body over the limit.
    case payloadTooLarge(limit: Int)
    /// The provider's API could not be reached.
    case upstreamUnreachable(String)
    /// The provider's API did not answer in time.
    case upstreamTimeout
    /// A method the proxy never forwards (`CONNECT`, `TRACE`, `TRACK`); carries the method's name.
    case methodNotAllowed(String)
    /// The provider's host comes from the credential and resolves to an address that is not public (loopback, a
    /// private network, link-local, …); nothing was sent and no connection was opened.
    case upstreamForbidden(String)
    /// The binding's policy does not allow the call; the text says which rule set refused (never the credential).
    case policyDenied(provider: String, reason: String)
    /// An approval rule caught the call; `approvalURL` is where the owner decides.
    case approvalRequired(provider: String, approvalURL: String)
    /// A remote MCP server (or the authorization server it names) cannot be connected to as it is set up; the reason
    /// says what was refused (never a secret).
    case remoteServerRefused(provider: String, reason: String)
    /// The remote MCP server needs scopes the credential was not granted; `setupURL` reconnects asking for them.
    case insufficientScope(provider: String, scopes: [String], setupURL: String)
    /// A limit of the group's budget is spent: calls are admitted again in `retryAfter` seconds.
    case budgetExceeded(message: String, retryAfter: Int, setupURL: String)
}
