import Foundation
import LatchkeyCore

/// An approval request as its decider sees it: never a body or a secret.
struct ApprovalDTO: Encodable {
    let id: String, groupID: String, provider: String, method: String, path: String, rule: String, status: String
    let once: Bool, createdAt: Date, expiresAt: Date, decidedAt: Date?, decidedBy: String?, approvalURL: String

    enum CodingKeys: String, CodingKey {
        case id, provider, method, path, rule, status, once
        case groupID = "group_id", createdAt = "created_at", expiresAt = "expires_at", decidedAt = "decided_at", decidedBy = "decided_by"
        case approvalURL = "approval_url"
    }

    init(_ a: Approval, now: Date, links: SetupLinks) {
        id = a.id
        groupID = a.groupID
        provider = a.provider
        method = a.method
        path = a.path
        rule = a.rule
        status = a.effectiveStatus(at: now)
        once = a.once
        createdAt = a.createdAt
        expiresAt = a.expiresAt
        decidedAt = a.decidedAt
        decidedBy = a.decidedBy
        approvalURL = links.approval(id: a.id)
    }
}
