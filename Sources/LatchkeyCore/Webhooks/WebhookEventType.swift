/// The events an endpoint may subscribe to (SPEC §6).
public enum WebhookEventType: String, Sendable, CaseIterable {
    /// A credential was connected (consent, an API key, or imported tokens).
    case credentialConnected = "credential.connected"
    /// A credential got new consent.
    case credentialReconnected = "credential.reconnected"
    /// A credential needs new consent (a permanent refresh failure).
    case credentialNeedsReauth = "credential.needs_reauth"
    /// A credential keeps failing to refresh.
    case credentialRefreshFailing = "credential.refresh_failing"
    /// A refresh succeeded on a credential that was failing to refresh.
    case credentialRecovered = "credential.recovered"
    /// A credential's grant was revoked at the provider.
    case credentialRevoked = "credential.revoked"
    /// A credential was deleted.
    case credentialDeleted = "credential.deleted"
    /// An agent asked for a provider its group has no credential bound for (first time since last bound).
    case bindingMissing = "binding.missing"
    /// A group spent a limit of its budget (once per window).
    case budgetExceeded = "budget.exceeded"
    /// A call waits for the owner's approval.
    case approvalRequested = "approval.requested"

    /// The event an audit action stands for, if any. A credential created with an API key or imported tokens is
    /// connected as much as one connected through consent; a revocation at the provider is the credential revoked.
    public init?(auditAction: String) {
        switch auditAction {
        case "credential.created", "credential.imported": self = .credentialConnected
        case "credential.revoked_at_provider": self = .credentialRevoked
        default: self.init(rawValue: auditAction)
        }
    }

    /// The status the payload reports for this event.
    var status: String {
        switch self {
        case .credentialConnected, .credentialReconnected, .credentialRecovered: "active"
        case .credentialNeedsReauth: "needs_reauth"
        case .credentialRefreshFailing: "refresh_failing"
        case .credentialRevoked: "revoked"
        case .credentialDeleted: "deleted"
        case .bindingMissing: "missing"
        case .budgetExceeded: "exceeded"
        case .approvalRequested: "pending"
        }
    }
}
