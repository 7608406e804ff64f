import Foundation

/// Who did what to which record, when. Never a secret value.
public struct AuditEvent: Sendable, Equatable {
    /// The record id.
    public var id: String
    /// The user whose records this is about (whose audit log shows it).
    public var ownerID: String
    /// Who acted: `user:{id}`, `agent:{key id}`, `system`.
    public var actor: String
    /// What happened, e.g. `credential.created`.
    public var action: String
    /// The kind of record acted on.
    public var targetType: String
    /// The record acted on.
    public var targetID: String
    /// Non-secret details.
    public var detail: [String: String]
    /// When.
    public var createdAt: Date

    /// Creates an event.
    public init(id: String, ownerID: String, actor: String, action: String, targetType: String, targetID: String, detail: [String: String] = [:], createdAt: Date) {
        self.id = id
        self.ownerID = ownerID
        self.actor = actor
        self.action = action
        self.targetType = targetType
        self.targetID = targetID
        self.detail = detail
        self.createdAt = createdAt
    }
}
