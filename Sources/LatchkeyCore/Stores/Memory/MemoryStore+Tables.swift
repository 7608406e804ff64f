import Foundation

extension MemoryStore {
    /// The tables, one property each, named after the SQL tables they stand for.
    struct Tables: Sendable {
        var users: [String: User] = [:]
        var apiTokens: [String: APIToken] = [:]
        var credentials: [String: CredentialRow] = [:]
        /// Sealed values by record id, then field: credentials', OAuth apps', registrations' and OAuth states'.
        var sealedValues: [String: [String: SealedRow]] = [:]
        var dataKeys: [Int: WrappedDataKey] = [:]
        var groups: [String: AgentGroup] = [:]
        var agentKeys: [String: AgentKey] = [:]
        var bindings: [GroupProvider: Binding] = [:]
        var missingBindings: [GroupProvider: MissingBinding] = [:]
        var auditEvents: [AuditRow] = []
        var oauthApps: [String: OAuthApp] = [:]
        var oauthStates: [String: OAuthState] = [:]
        var sessions: [String: Session] = [:]
        var loginFailures: [(key: String, at: Date)] = []
        var setupTokens: [String: Date] = [:]
        var quotaLeases: [QuotaWindow: Int] = [:]
        var usage: [UsageKey: DailyUsage] = [:]
        var budgetsExceeded: [QuotaWindow: BudgetExceeded] = [:]
        var approvals: [String: Approval] = [:]
        var registrations: [String: OAuthRegistration] = [:]
        var userProviders: [String: UserProviderRow] = [:]
        var webhookEndpoints: [String: WebhookEndpointRow] = [:]
        /// In `seq` order: appended as enqueued.
        var webhookDeliveries: [WebhookDeliveryRow] = []
        /// The access change log, in id order; `accessChangeID` is the last id given (ids are never reused).
        var accessChanges: [AccessChange] = []
        var accessChangeID: Int64 = 0
    }
}
