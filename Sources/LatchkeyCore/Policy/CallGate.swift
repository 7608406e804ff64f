import Foundation

/// What an agent's call must pass before it goes upstream, in this order: the binding's policy (methods, paths,
/// tools), its approval rules, then the group's budget. Refusals are counted in the daily usage and written to the
/// audit log (a spent budget once per window, not per refused call); admitted calls are counted.
public struct CallGate: Sendable {
    let approvals: ApprovalService
    let budgets: BudgetGate
    let usage: UsageRecorder
    let audit: AuditLog
    /// Refusal audit writes under way; beyond the limit refusals are counted but not written one by one.
    private let auditsInFlight = InFlightLimit(256)

    public init(approvals: ApprovalService, budgets: BudgetGate, usage: UsageRecorder, audit: AuditLog) {
        self.approvals = approvals
        self.budgets = budgets
        self.usage = usage
        self.audit = audit
    }

    /// One call as the gate sees it.
    public struct Call: Sendable {
        public var method: String
        /// The path after `/v1/proxy/{provider}`, already through the base-URL guard; no query.
        public var path: String
        /// The bare MCP tool name when the call comes from a tool (`request` for the generic one).
        public var tool: String?
        /// Seconds the agent will wait for an approval (`Prefer: wait=N`).
        public var waitSeconds: Int
        /// Methods the call asks the provider to use instead of its own (`X-HTTP-Method-Override` and the like,
        /// which many APIs honour): the policy must allow each of them too.
        public var overrides: [String]

        public init(method: String, path: String, tool: String? = nil, waitSeconds: Int = 0, overrides: [String] = []) {
            self.method = method
            self.path = path
            self.tool = tool
            self.waitSeconds = waitSeconds
            self.overrides = overrides
        }
    }

    /// Admits `call`, suspending for an approval check or a quota lease when needed.
    public func admit(_ resolved: ResolvedCredential, _ call: Call) async throws -> Admission? {
        if case .needsApproval(let rule, let method) = try decide(resolved, call) {
            do { try await approvals.pass(resolved, rule: rule, method: method, path: call.path, waitSeconds: call.waitSeconds) } catch {
                if case LatchkeyError.policyDenied = error { refused(resolved, call, action: "call.denied", reason: "denied by the owner") }
                if case LatchkeyError.approvalRequired = error { usage.refused(groupID: resolved.group.id, provider: resolved.provider.id) }
                throw error
            }
        }
        do {
            let admission = try await budgets.admit(group: resolved.group, provider: resolved.provider.id)
            usage.admitted(groupID: resolved.group.id, provider: resolved.provider.id)
            return admission
        } catch let error as LatchkeyError {
            if case .budgetExceeded = error { usage.refused(groupID: resolved.group.id, provider: resolved.provider.id) }
            throw error
        }
    }

    /// `admit` without suspending: nil when it must suspend (an approval rule caught the call, or quota must be leased).
    public func admitNow(_ resolved: ResolvedCredential, _ call: Call) throws -> Admission?? {
        guard case .allowed = try decide(resolved, call) else { return nil }
        do {
            guard let admission = try budgets.admitNow(group: resolved.group, provider: resolved.provider.id) else { return nil }
            usage.admitted(groupID: resolved.group.id, provider: resolved.provider.id)
            return .some(admission)
        } catch let error as LatchkeyError {
            if case .budgetExceeded = error { usage.refused(groupID: resolved.group.id, provider: resolved.provider.id) }
            throw error
        }
    }

    /// What the policy asks of a call that it does not refuse.
    enum Verdict {
        case allowed
        /// Approval rule `rule` caught the call made (or asked to be made) with `method`.
        case needsApproval(rule: Int, method: String)
    }

    /// The policy's decision for the call's method and every method it asks the provider to use instead; a denial
    /// is counted, audited and thrown.
    func decide(_ resolved: ResolvedCredential, _ call: Call) throws -> Verdict {
        guard let policy = resolved.policy else { return .allowed }
        var verdict = Verdict.allowed
        for method in [call.method] + call.overrides {
            var single = call
            single.method = method
            if case .needsApproval(let rule) = try decide(policy, resolved, single) { verdict = .needsApproval(rule: rule, method: method) }
        }
        return verdict
    }

    private func decide(_ policy: BindingPolicy, _ resolved: ResolvedCredential, _ call: Call) throws -> PolicyDecision {
        let provider = resolved.provider.id
        if let tool = call.tool, !policy.allows(tool: tool) {
            refused(resolved, call, action: "call.denied", reason: "tool \(tool) is not allowed")
            throw LatchkeyError.policyDenied(provider: provider, reason: "the tool \(provider)_\(tool) is not among the tools this group's binding for \(provider) allows")
        }
        let decision = policy.decide(method: call.method, rawPath: call.path)
        if case .denied(let reason) = decision {
            refused(resolved, call, action: "call.denied", reason: reason)
            throw LatchkeyError.policyDenied(provider: provider, reason: "the policy of this group's binding for \(provider) refuses the call: \(reason)")
        }
        return decision
    }

    /// Counts and audits a refused call (in the background: the refusal does not wait for the write).
    private func refused(_ resolved: ResolvedCredential, _ call: Call, action: String, reason: String) {
        let group = resolved.group
        let provider = resolved.provider.id
        usage.refused(groupID: group.id, provider: provider)
        var detail = ["group_id": group.id, "provider": provider, "method": call.method, "path": String(call.path.prefix(512)), "reason": reason]
        if let tool = call.tool { detail["tool"] = tool }
        // A runaway agent must not queue unbounded writes.
        guard auditsInFlight.acquire() else { return }
        let audit = self.audit
        let inFlight = auditsInFlight
        Task {
            try? await audit.record(ownerID: group.ownerID, actor: "agent:\(group.id)", action: action, targetType: "group", targetID: group.id, detail: detail)
            inFlight.release()
        }
    }
}
