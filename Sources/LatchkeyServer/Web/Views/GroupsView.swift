/// `groups`: the user's agent groups, one page of them, and the form that creates one.
struct GroupsView: PageView {
    static let template = "groups"

    /// One group in the table.
    struct Row: Encodable {
        let id: String
        let name: String
        let url: String
        let createdAt: String
        let keyCount: Int
        let bindingCount: Int
        let warningCount: Int
    }

    let groups: [Row]
    let empty: Bool
    /// The next page, when there is one.
    let nextURL: String?

    init(groups: [Row], nextURL: String?) {
        self.groups = groups
        empty = groups.isEmpty
        self.nextURL = nextURL
    }
}
