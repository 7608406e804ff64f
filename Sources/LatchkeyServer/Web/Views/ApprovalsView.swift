/// `approvals`: the requests waiting for a decision, and those decided or lapsed.
struct ApprovalsView: PageView {
    static let template = "approvals"

    let pending: [ApprovalRow]
    let decided: [ApprovalRow]
    let empty: Bool

    init(_ rows: [ApprovalRow]) {
        pending = rows.filter(\.pending)
        decided = rows.filter { !$0.pending }
        empty = rows.isEmpty
    }
}
