import Foundation

/// Writes audit events. Details must never hold secret values; callers pass names and ids only.
public struct AuditLog: Sendable {
    let store: any AuditStore
    let clock: any WallClock

    /// Creates a log over `store`.
    public init(store: any AuditStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// Records that `actor` did `action` to a record of `ownerID`.
    public func record(ownerID: String, actor: String, action: String, targetType: String, targetID: String, detail: [String: String] = [:]) async throws {
        try await store.appendAudit(AuditEvent(
            id: Identifier.make("evt"), ownerID: ownerID, actor: actor, action: action, targetType: targetType,
            targetID: targetID, detail: detail, createdAt: clock.now
        ))
    }
}
