/// `approval`: one request, with the buttons that decide it while it waits.
struct ApprovalView: PageView {
    static let template = "approval"

    /// A choice beside "Approve once".
    struct Duration: Encodable {
        let seconds: Int
        let label: String
    }

    let approval: ApprovalRow
    let approveAction: String
    let denyAction: String
    let durations: [Duration]
}
