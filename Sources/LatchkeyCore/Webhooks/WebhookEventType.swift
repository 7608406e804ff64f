/// The events an endpoint may subscribe to (SPEC §6).
public enum WebhookEventType: String, Sendable, CaseIterable {
    case credentialConnected = "credential.connected"
    case credentialReconnected = "credential.reconnected"
    case credentialNeedsReauth = "credential.needs_reauth"
    case credentialRefreshFailing = "credential.refresh_failing"
    case credentialRecovered = "credential.recovered"
    case credentialRevoked = "credential.revoked"
    case credentialDeleted = "credential.deleted"
    case bindingMissing = "binding.missing"
    case budgetExceeded = "budget.exceeded"
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
