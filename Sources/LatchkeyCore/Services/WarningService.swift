import Foundation

/// What needs the user: missing bindings agents asked for, credentials that need consent or keep failing.
public struct WarningService: Sendable {
    let store: any Store
    let links: SetupLinks
    let clock: any WallClock

    /// Creates the service; `clock` says which spent budgets and pending approvals are still current.
    public init(store: any Store, links: SetupLinks, clock: any WallClock) {
        self.store = store
        self.links = links
        self.clock = clock
    }

    /// The owner's warnings, missing bindings first.
    public func warnings(owner: User) async throws -> [Warning] {
        var warnings: [Warning] = []
        for missing in try await store.missingBindings(ownerID: owner.id) {
            warnings.append(Warning(
                kind: "credential_missing", groupID: missing.groupID, credentialID: nil, provider: missing.provider,
                message: "Agents of this group asked for \(missing.provider) \(missing.count == 1 ? "once" : "\(missing.count) times"), but the group has no credential bound for it.",
                setupURL: links.bind(groupID: missing.groupID, provider: missing.provider), lastSeen: missing.lastSeen
            ))
        }
        for credential in try await store.credentials(ownerID: owner.id, statuses: [.needsReauth, .revoked, .refreshFailing]) {
            switch credential.status {
            case .needsReauth, .revoked:
                warnings.append(Warning(
                    kind: "credential_needs_reauth", groupID: nil, credentialID: credential.id, provider: credential.provider,
                    message: "'\(credential.name)' needs new consent\(credential.statusReason.map { " (\($0))" } ?? "").",
                    setupURL: links.reconnect(credentialID: credential.id), lastSeen: credential.updatedAt
                ))
            case .refreshFailing:
                warnings.append(Warning(
                    kind: "refresh_failing", groupID: nil, credentialID: credential.id, provider: credential.provider,
                    message: "'\(credential.name)' keeps failing to refresh\(credential.statusReason.map { " (\($0))" } ?? ""); agents still use its current token while it lasts.",
                    setupURL: links.reconnect(credentialID: credential.id), lastSeen: credential.updatedAt
                ))
            case .active:
                break
            }
        }
        let now = clock.now
        for spent in try await store.budgetsExceeded(ownerID: owner.id, since: now.addingTimeInterval(-86_400)) {
            let scope = spent.scope == "*" ? "calls" : "calls to \(spent.scope)"
            warnings.append(Warning(
                kind: "budget_exceeded", groupID: spent.groupID, credentialID: nil, provider: spent.scope,
                message: "A group spent its budget of \(scope) per \(spent.per.rawValue); its agents' calls were refused until the window ended.",
                setupURL: links.budget(groupID: spent.groupID), lastSeen: spent.at
            ))
        }
        for request in try await store.approvals(ownerID: owner.id, groupID: nil, status: .pending, limit: 50) where request.expiresAt > now {
            warnings.append(Warning(
                kind: "approval_requested", groupID: request.groupID, credentialID: nil, provider: request.provider,
                message: "An agent asks to call \(request.method) \(request.path) on \(request.provider); it waits for your decision.",
                setupURL: links.approval(id: request.id), lastSeen: request.createdAt
            ))
        }
        return warnings
    }
}
