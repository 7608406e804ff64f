import Foundation
import LatchkeyCore

/// An approval request as the pages show it (the approvals list, one request's page, a group's pending ones): what
/// was asked, when, and where it stands now.
struct ApprovalRow: Encodable {
    let id: String
    let url: String
    let groupID: String
    let groupName: String
    let groupURL: String
    let provider: String
    let providerName: String
    let method: String
    let path: String
    let rule: String
    let createdAt: String
    let status: String
    let pending: Bool
    let statusLabel: String
    let statusClass: String
    let decidedAt: String?
    /// When a pending request lapses, or an approval for a while ends.
    let expiresAt: String?

    init(_ approval: Approval, now: Date, groupName: String?, providerName: String) {
        let status = approval.effectiveStatus(at: now)
        id = approval.id
        url = "/approvals/\(approval.id)"
        groupID = approval.groupID
        self.groupName = groupName ?? approval.groupID
        groupURL = "/groups/\(approval.groupID)"
        provider = approval.provider
        self.providerName = providerName
        method = approval.method
        path = approval.path
        rule = approval.rule
        createdAt = PageRenderer.date(approval.createdAt)
        self.status = status
        pending = status == "pending"
        statusLabel = Self.label(approval, status: status)
        statusClass = ["pending": "warn", "approved": "ok", "denied": "bad"][status] ?? "muted"
        decidedAt = approval.decidedAt.map(PageRenderer.date)
        expiresAt = status == "pending" || status == "approved" ? PageRenderer.date(approval.expiresAt) : nil
    }

    /// The status in words: "Approved until …", "Approved once", "Denied", "Waiting", "Expired".
    static func label(_ approval: Approval, status: String) -> String {
        switch status {
        case "pending": "Waiting for a decision"
        case "approved": approval.once ? "Approved once" : "Approved until \(PageRenderer.date(approval.expiresAt))"
        case "denied": "Denied"
        default: approval.status == .approved ? (approval.once && approval.used ? "Approved once (used)" : "Approval expired") : "Lapsed without a decision"
        }
    }
}
