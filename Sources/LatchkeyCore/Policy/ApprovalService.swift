import Foundation

/// Approval requests: raised when an approval rule catches a call, decided by the group's owner (or an admin).
public struct ApprovalService: Sendable {
    let store: any Store
    let clock: any WallClock
    let links: SetupLinks
    let audit: AuditLog
    /// How long a request waits for a decision, and an unused once-grant for its call.
    public static let requestLifetime: TimeInterval = 86_400
    /// The longest grant for a duration: 30 days.
    public static let maxGrantSeconds = 30 * 86_400
    /// The most requests of one group waiting for a decision at once.
    public static let maxPendingPerGroup = 100
    /// The longest an agent may wait on the same call for a decision (`Prefer: wait=N`).
    public static let maxWaitSeconds = 60

    public init(store: any Store, clock: any WallClock, links: SetupLinks) {
        self.store = store
        self.clock = clock
        self.links = links
        self.audit = AuditLog(store: store, clock: clock)
    }

    /// Lets a call that approval rule `ruleIndex` caught go when a grant covers it; otherwise raises (or finds) the
    /// request for it and throws `approvalRequired`, after waiting up to `waitSeconds` for a decision. A denied
    /// request refuses the same call with `policyDenied`.
    public func pass(_ resolved: ResolvedCredential, rule ruleIndex: Int, method: String, path: String, waitSeconds: Int) async throws {
        guard let rules = resolved.policy?.approve, rules.indices.contains(ruleIndex) else { return }
        let group = resolved.group
        let provider = resolved.provider.id
        let rule = rules[ruleIndex].summary
        if try await store.useGrant(groupID: group.id, provider: provider, method: method, rule: rule, now: clock.now) { return }
        let request = try await request(group: group, provider: provider, method: method, path: String(path.prefix(2048)), rule: rule)
        let deadline = ContinuousClock.now + .seconds(min(max(0, waitSeconds), Self.maxWaitSeconds))
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            switch try await store.approval(id: request.id)?.status {
            case .approved?:
                if try await store.useGrant(groupID: group.id, provider: provider, method: method, rule: rule, now: clock.now) { return }
            case .denied?: throw Self.denied(provider: provider, id: request.id)
            case .pending?, nil: continue
            }
        }
        throw LatchkeyError.approvalRequired(provider: provider, approvalURL: links.approval(id: request.id))
    }

    /// The pending request for this exact call: the one already raised (also by a call racing this one on another
    /// connection or server), or a new one. A denied one refuses the call.
    private func request(group: AgentGroup, provider: String, method: String, path: String, rule: String) async throws -> Approval {
        if let open = try await store.openApproval(groupID: group.id, provider: provider, method: method, path: path, now: clock.now) {
            guard open.status != .denied else { throw Self.denied(provider: provider, id: open.id) }
            return open
        }
        let now = clock.now
        // An agent cannot flood its owner: beyond this many waiting requests, new calls raise none.
        let waiting = try await store.approvals(ownerID: nil, groupID: group.id, status: .pending, limit: Self.maxPendingPerGroup + 1).filter { $0.expiresAt > now }
        guard waiting.count < Self.maxPendingPerGroup else {
            throw LatchkeyError.policyDenied(provider: provider, reason: "this group already has \(Self.maxPendingPerGroup) approval requests waiting; its owner must decide some first")
        }
        let request = Approval(id: Identifier.make("apr"), groupID: group.id, ownerID: group.ownerID, provider: provider, method: method,
                               path: path, rule: rule, status: .pending, createdAt: now, expiresAt: now.addingTimeInterval(Self.requestLifetime))
        do { try await store.createApproval(request) } catch StoreError.conflict {
            // One pending request per call (a unique index): the racing call's request is the one to wait for.
            guard let raced = try await store.openApproval(groupID: group.id, provider: provider, method: method, path: path, now: now) else {
                throw StoreError.conflict("approval")
            }
            guard raced.status != .denied else { throw Self.denied(provider: provider, id: raced.id) }
            return raced
        }
        // A group event (like the group's other refusals), naming the request.
        try await audit.record(ownerID: group.ownerID, actor: "agent:\(group.id)", action: "approval.requested", targetType: "group", targetID: group.id,
                               detail: ["group_id": group.id, "approval_id": request.id, "provider": provider, "method": method,
                                        "path": String(path.prefix(512)), "rule": rule])
        return request
    }

    static func denied(provider: String, id: String) -> LatchkeyError {
        .policyDenied(provider: provider, reason: "the group's owner denied this request (approval \(id))")
    }

    /// Approvals `user` may decide: their groups', or everyone's for an admin.
    public func list(user: User, status: Approval.Status?, groupID: String? = nil, limit: Int = 100) async throws -> [Approval] {
        try await store.approvals(ownerID: user.role == .admin ? nil : user.id, groupID: groupID, status: status, limit: limit)
    }

    /// One approval, if `user` may see it.
    public func get(user: User, id: String) async throws -> Approval {
        guard let approval = try await store.approval(id: id), user.role == .admin || approval.ownerID == user.id else { throw LatchkeyError.notFound("approval") }
        return approval
    }

    /// Approves once (`forSeconds` nil) or for a duration; denies when `approve` is false. A decided or lapsed
    /// request cannot be decided again (`conflict`).
    public func decide(user: User, id: String, approve: Bool, forSeconds: Int?) async throws -> Approval {
        let approval = try await get(user: user, id: id)
        if let forSeconds, !(1...Self.maxGrantSeconds).contains(forSeconds) {
            throw LatchkeyError.validationFailed(field: "for_seconds", message: "'for_seconds' must be between 1 and \(Self.maxGrantSeconds) (30 days), or absent to approve one call")
        }
        let now = clock.now
        let expiresAt = approve ? now.addingTimeInterval(forSeconds.map(Double.init) ?? Self.requestLifetime) : approval.expiresAt
        guard try await store.decideApproval(id: id, status: approve ? .approved : .denied, once: approve && forSeconds == nil, expiresAt: expiresAt,
                                             by: "user:\(user.id)", now: now) else {
            throw LatchkeyError.conflict("this request was already decided (or lapsed); it cannot be decided again")
        }
        try await audit.record(ownerID: approval.ownerID, actor: "user:\(user.id)", action: approve ? "approval.approved" : "approval.denied",
                               targetType: "approval", targetID: id,
                               detail: ["group_id": approval.groupID, "provider": approval.provider, "method": approval.method,
                                        "for_seconds": forSeconds.map(String.init) ?? (approve ? "once" : "")].filter { !$0.value.isEmpty })
        // The decision as made, not the row read back: a call waiting on the request (`Prefer: wait`) may use a
        // once-grant in between, and the owner who approved would then be told "expired".
        var decided = approval
        decided.status = approve ? .approved : .denied
        decided.once = approve && forSeconds == nil
        decided.used = false
        decided.expiresAt = expiresAt
        decided.decidedAt = now
        decided.decidedBy = "user:\(user.id)"
        return decided
    }
}
