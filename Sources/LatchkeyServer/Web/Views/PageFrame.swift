/// What the layout shows around every page: the title, the CSRF token of its forms, the signed-in user, the
/// current tab (`nav_<tab>`), and the notice or error above the content.
struct PageFrame: Encodable {
    /// The signed-in user, as the header shows them.
    struct Account: Encodable {
        let email: String
        let isAdmin: Bool
    }

    let title: String
    let csrf: String?
    let user: Account?
    let tab: PageRenderer.Tab
    let notice: String?
    let error: String?

    private struct Key: CodingKey {
        let stringValue: String
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(title, forKey: Key("title"))
        try container.encodeIfPresent(csrf, forKey: Key("csrf"))
        try container.encodeIfPresent(user, forKey: Key("user"))
        if tab != .none { try container.encode(true, forKey: Key("nav_\(tab.rawValue)")) }
        try container.encodeIfPresent(notice, forKey: Key("notice"))
        try container.encodeIfPresent(error, forKey: Key("error"))
    }
}
