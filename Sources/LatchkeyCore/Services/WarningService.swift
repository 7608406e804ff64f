/// What needs the user: missing bindings agents asked for, credentials that need consent or keep failing.
public struct WarningService: Sendable {
    let store: any Store
    let links: SetupLinks

    /// Creates the service.
    public init(store: any Store, links: SetupLinks) {
        self.store = store
        self.links = links
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
        for credential in try await store.credentials(ownerID: owner.id) {
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
        return warnings
    }
}
