import Foundation

/// A call that a binding's approval rule held back, and what its group's owner decided.
///
/// Pending requests lapse after a day. An approval `once` lets one call through (the first that matches); one for a
/// duration lets every matching call through until `expiresAt`. A grant covers calls of the same group, provider and
/// method caught by the same approval rule; a denial holds for this exact method and path.
public struct Approval: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case pending, approved, denied
    }

    public var id: String
    public var groupID: String
    /// The group's owner, who decides.
    public var ownerID: String
    public var provider: String
    public var method: String
    /// The path after `/v1/proxy/{provider}`, without its query.
    public var path: String
    /// The approval rule that caught the call (`ApprovalRule.summary`).
    public var rule: String
    public var status: Status
    public var createdAt: Date
    /// Pending: when the request lapses. Approved for a duration: when the grant ends. Approved once: when the
    /// unused grant lapses.
    public var expiresAt: Date
    /// Approved for one call.
    public var once: Bool
    /// A once-grant that a call has used.
    public var used: Bool
    public var decidedAt: Date?
    /// `user:{id}` of who decided.
    public var decidedBy: String?

    public init(id: String, groupID: String, ownerID: String, provider: String, method: String, path: String, rule: String,
                status: Status, createdAt: Date, expiresAt: Date, once: Bool = false, used: Bool = false, decidedAt: Date? = nil, decidedBy: String? = nil) {
        self.id = id
        self.groupID = groupID
        self.ownerID = ownerID
        self.provider = provider
        self.method = method
        self.path = path
        self.rule = rule
        self.status = status
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.once = once
        self.used = used
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
    }

    /// The status as people see it at `now`: `expired` for a lapsed request or an ended (or used) grant.
    public func effectiveStatus(at now: Date) -> String {
        switch status {
        case .pending: expiresAt > now ? "pending" : "expired"
        case .approved: (expiresAt > now && !(once && used)) ? "approved" : "expired"
        case .denied: "denied"
        }
    }
}
