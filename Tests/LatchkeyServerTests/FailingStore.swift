import Foundation
import LatchkeyCore
import Synchronization

/// A `Store` that delegates to a real one and throws once from a chosen call when armed: store failures in the
/// middle of a refresh, where a real database would fail by itself only by chance.
final class FailingStore: Store, Sendable {
    /// The calls that can be made to fail.
    enum Call: Sendable, CaseIterable {
        case finishRefresh, failRefresh, dataKeys, appendAudit
    }

    struct Injected: Error, Equatable {
        let call: Call
    }

    /// The calls armed to throw, once each.
    final class Failures: Sendable {
        private let armed = Mutex<Set<Call>>([])
        func arm(_ call: Call) { armed.withLock { _ = $0.insert(call) } }
        func check(_ call: Call) throws {
            if armed.withLock({ $0.remove(call) }) != nil { throw Injected(call: call) }
        }
    }

    let base: any Store
    let failures = Failures()

    init(_ base: any Store) { self.base = base }

    func appendAudit(_ event: AuditEvent) async throws {
        try self.failures.check(.appendAudit)
        return try await base.appendAudit(event)
    }
    func auditEvents(ownerID: String, limit: Int, before: String?) async throws -> [AuditEvent] {
        try await base.auditEvents(ownerID: ownerID, limit: limit, before: before)
    }
    func groupAuditEvents(groupID: String, actions: [String], limit: Int) async throws -> [AuditEvent] {
        try await base.groupAuditEvents(groupID: groupID, actions: actions, limit: limit)
    }
    func deleteAudit(createdBefore date: Date) async throws -> Int { try await base.deleteAudit(createdBefore: date) }
    func setBudget(groupID: String, budget: Budget?) async throws { try await base.setBudget(groupID: groupID, budget: budget) }
    func setBindingPolicy(groupID: String, provider: String, policy: BindingPolicy?) async throws -> Bool {
        try await base.setBindingPolicy(groupID: groupID, provider: provider, policy: policy)
    }
    func leaseQuota(groupID: String, scope: String, per: BudgetPeriod, windowStart: Date, limit: Int, want: Int) async throws -> Int {
        try await base.leaseQuota(groupID: groupID, scope: scope, per: per, windowStart: windowStart, limit: limit, want: want)
    }
    func leasedQuota(groupID: String, scope: String, per: BudgetPeriod, windowStart: Date) async throws -> Int {
        try await base.leasedQuota(groupID: groupID, scope: scope, per: per, windowStart: windowStart)
    }
    func deleteQuota(windowsBefore before: Date) async throws { try await base.deleteQuota(windowsBefore: before) }
    func addUsage(_ usage: [DailyUsage]) async throws { try await base.addUsage(usage) }
    func dailyUsage(groupID: String, sinceDay: String) async throws -> [DailyUsage] {
        try await base.dailyUsage(groupID: groupID, sinceDay: sinceDay)
    }
    func recordBudgetExceeded(_ event: BudgetExceeded) async throws -> Bool { try await base.recordBudgetExceeded(event) }
    func budgetsExceeded(ownerID: String, since: Date) async throws -> [BudgetExceeded] {
        try await base.budgetsExceeded(ownerID: ownerID, since: since)
    }
    func createApproval(_ approval: Approval) async throws { try await base.createApproval(approval) }
    func approval(id: String) async throws -> Approval? { try await base.approval(id: id) }
    func approvals(ownerID: String?, groupID: String?, status: Approval.Status?, limit: Int) async throws -> [Approval] {
        try await base.approvals(ownerID: ownerID, groupID: groupID, status: status, limit: limit)
    }
    func openApproval(groupID: String, provider: String, method: String, path: String, now: Date) async throws -> Approval? {
        try await base.openApproval(groupID: groupID, provider: provider, method: method, path: path, now: now)
    }
    func useGrant(groupID: String, provider: String, method: String, rule: String, now: Date) async throws -> Bool {
        try await base.useGrant(groupID: groupID, provider: provider, method: method, rule: rule, now: now)
    }
    func decideApproval(id: String, status: Approval.Status, once: Bool, expiresAt: Date, by: String, now: Date) async throws -> Bool {
        try await base.decideApproval(id: id, status: status, once: once, expiresAt: expiresAt, by: by, now: now)
    }
    func createCredential(_ credential: Credential) async throws { try await base.createCredential(credential) }
    func credential(id: String) async throws -> Credential? { try await base.credential(id: id) }
    func credentials(ownerID: String, after: String?, limit: Int) async throws -> [Credential] {
        try await base.credentials(ownerID: ownerID, after: after, limit: limit)
    }
    func credentials(ownerID: String, statuses: Set<CredentialStatus>) async throws -> [Credential] {
        try await base.credentials(ownerID: ownerID, statuses: statuses)
    }
    func credentialCount(ownerID: String) async throws -> Int { try await base.credentialCount(ownerID: ownerID) }
    func updateCredential(_ credential: Credential) async throws -> Bool { try await base.updateCredential(credential) }
    func deleteCredential(id: String) async throws -> Bool { try await base.deleteCredential(id: id) }
    func dataKeys() async throws -> [WrappedDataKey] {
        try self.failures.check(.dataKeys)
        return try await base.dataKeys()
    }
    func insertDataKey(wrapped: @Sendable (_ version: Int, _ latest: WrappedDataKey?) throws -> Data, activate: Bool, onlyIfEmpty: Bool) async throws -> Int {
        try await base.insertDataKey(wrapped: wrapped, activate: activate, onlyIfEmpty: onlyIfEmpty)
    }
    func rewrapDataKeys(_ rewrap: @Sendable (WrappedDataKey) throws -> Data) async throws -> Int { try await base.rewrapDataKeys(rewrap) }
    func retireUnusedDataKeys() async throws -> [Int] { try await base.retireUnusedDataKeys() }
    func sealedValues(notUnder version: Int, limit: Int) async throws -> [StoredSecret] {
        try await base.sealedValues(notUnder: version, limit: limit)
    }
    func replaceSealedValue(_ secret: StoredSecret, with value: SealedValue) async throws -> Bool {
        try await base.replaceSealedValue(secret, with: value)
    }
    func sealedValueCounts() async throws -> [Int: Int] { try await base.sealedValueCounts() }
    func createGroup(_ group: AgentGroup) async throws { try await base.createGroup(group) }
    func group(id: String) async throws -> AgentGroup? { try await base.group(id: id) }
    func groups(ownerID: String, after: String?, limit: Int) async throws -> [AgentGroup] {
        try await base.groups(ownerID: ownerID, after: after, limit: limit)
    }
    func groupCount(ownerID: String) async throws -> Int { try await base.groupCount(ownerID: ownerID) }
    func deleteGroup(id: String) async throws -> Bool { try await base.deleteGroup(id: id) }
    func createAgentKey(_ key: AgentKey) async throws { try await base.createAgentKey(key) }
    func agentKey(prefix: String) async throws -> (AgentKey, AgentGroup)? { try await base.agentKey(prefix: prefix) }
    func agentAccess(prefix: String, provider: String) async throws -> AgentAccess? { try await base.agentAccess(prefix: prefix, provider: provider) }
    func agentKeys(groupID: String, after: String?, limit: Int) async throws -> [AgentKey] {
        try await base.agentKeys(groupID: groupID, after: after, limit: limit)
    }
    func deleteAgentKey(id: String, groupID: String) async throws -> Bool { try await base.deleteAgentKey(id: id, groupID: groupID) }
    func putBinding(_ binding: Binding) async throws { try await base.putBinding(binding) }
    func boundCredential(groupID: String, provider: String) async throws -> Credential? {
        try await base.boundCredential(groupID: groupID, provider: provider)
    }
    func bindings(groupID: String) async throws -> [Binding] { try await base.bindings(groupID: groupID) }
    func deleteBinding(groupID: String, provider: String) async throws -> Bool { try await base.deleteBinding(groupID: groupID, provider: provider) }
    func recordMissingBinding(groupID: String, provider: String, at: Date) async throws {
        try await base.recordMissingBinding(groupID: groupID, provider: provider, at: at)
    }
    func missingBindings(ownerID: String) async throws -> [MissingBinding] { try await base.missingBindings(ownerID: ownerID) }
    func putOAuthApp(_ app: OAuthApp) async throws { try await base.putOAuthApp(app) }
    func oauthApp(provider: String) async throws -> OAuthApp? { try await base.oauthApp(provider: provider) }
    func oauthRegistration(issuer: String, redirectURI: String) async throws -> OAuthRegistration? {
        try await base.oauthRegistration(issuer: issuer, redirectURI: redirectURI)
    }
    func oauthRegistration(issuer: String, clientID: String) async throws -> OAuthRegistration? {
        try await base.oauthRegistration(issuer: issuer, clientID: clientID)
    }
    func createOAuthRegistration(_ registration: OAuthRegistration) async throws -> OAuthRegistration {
        try await base.createOAuthRegistration(registration)
    }
    func updateOAuthRegistrationMetadata(issuer: String, redirectURI: String, metadataJSON: String, at: Date) async throws {
        try await base.updateOAuthRegistrationMetadata(issuer: issuer, redirectURI: redirectURI, metadataJSON: metadataJSON, at: at)
    }
    func createOAuthState(_ state: OAuthState, verifier: SealedValue?) async throws { try await base.createOAuthState(state, verifier: verifier) }
    func consumeOAuthState(id: String, now: Date) async throws -> (OAuthState, SealedValue?)? { try await base.consumeOAuthState(id: id, now: now) }
    func refreshCandidates(after: String?, limit: Int) async throws -> [RefreshCandidate] { try await base.refreshCandidates(after: after, limit: limit) }
    func acquireRefreshLease(credentialID: String, owner: String, until: Date, now: Date) async throws -> Credential? {
        try await base.acquireRefreshLease(credentialID: credentialID, owner: owner, until: until, now: now)
    }
    func refreshLeaseOwner(credentialID: String) async throws -> String? { try await base.refreshLeaseOwner(credentialID: credentialID) }
    func takeOverRefreshLease(credentialID: String, deadOwner: String, owner: String, until: Date, now: Date) async throws -> Credential? {
        try await base.takeOverRefreshLease(credentialID: credentialID, deadOwner: deadOwner, owner: owner, until: until, now: now)
    }
    func releaseRefreshLease(credentialID: String, owner: String) async throws {
        try await base.releaseRefreshLease(credentialID: credentialID, owner: owner)
    }
    func finishRefresh(_ update: TokenUpdate, owner: String) async throws -> Credential? {
        try self.failures.check(.finishRefresh)
        return try await base.finishRefresh(update, owner: owner)
    }
    func failRefresh(credentialID: String, owner: String, status: CredentialStatus, reason: String, failures: Int, nextAttempt: Date?) async throws -> Bool {
        try self.failures.check(.failRefresh)
        return try await base.failRefresh(credentialID: credentialID, owner: owner, status: status, reason: reason, failures: failures, nextAttempt: nextAttempt)
    }
    func replaceTokens(_ update: TokenUpdate, publicFields: [String: String]) async throws -> Bool {
        try await base.replaceTokens(update, publicFields: publicFields)
    }
    func createSession(_ session: Session) async throws { try await base.createSession(session) }
    func session(id: String) async throws -> Session? { try await base.session(id: id) }
    func deleteSession(id: String) async throws { try await base.deleteSession(id: id) }
    func recordLoginFailure(key: String, at: Date, since: Date) async throws -> Int {
        try await base.recordLoginFailure(key: key, at: at, since: since)
    }
    func loginFailures(key: String, since: Date) async throws -> Int { try await base.loginFailures(key: key, since: since) }
    func clearLoginFailures(key: String) async throws { try await base.clearLoginFailures(key: key) }
    func createSetupToken(id: String, expiresAt: Date) async throws { try await base.createSetupToken(id: id, expiresAt: expiresAt) }
    func createFirstUser(_ user: User, setupTokenID tokenID: String, now: Date) async throws -> Bool {
        try await base.createFirstUser(user, setupTokenID: tokenID, now: now)
    }
    func createUserProvider(_ provider: UserProvider) async throws { try await base.createUserProvider(provider) }
    func userProviders() async throws -> [UserProvider] { try await base.userProviders() }
    func deleteUserProvider(id: String, ownerID: String) async throws -> Bool { try await base.deleteUserProvider(id: id, ownerID: ownerID) }
    func createUser(_ user: User) async throws { try await base.createUser(user) }
    func user(id: String) async throws -> User? { try await base.user(id: id) }
    func user(email: String) async throws -> User? { try await base.user(email: email) }
    func userCount() async throws -> Int { try await base.userCount() }
    func createAPIToken(_ token: APIToken) async throws { try await base.createAPIToken(token) }
    func apiToken(prefix: String) async throws -> APIToken? { try await base.apiToken(prefix: prefix) }
    func migrate() async throws { try await base.migrate() }
    func ping() async -> Bool { await base.ping() }
    func close() async { await base.close() }
}
