/// `message`: a standalone result page (a consent outcome, a link that no longer works, an error page).
struct MessageView: PageView {
    static let template = "message"

    let heading: String
    let message: String
    let success: Bool
    /// The HTTP status, shown under a failure ("Status 404").
    var status: Int?
    var linkURL: String?
    var linkLabel: String?
    /// A page that moves on by itself (the Connect form's way to the provider).
    var refreshURL: String?
    /// An error page's code from SPEC's error shape (`not_found`, `csrf_failed`).
    var code: String?
}
