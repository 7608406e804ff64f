/// `setup`: the first-run form that creates the first admin, with the mistakes of the entered values by field.
struct SetupView: PageView {
    static let template = "setup"

    /// The one-time setup token from the link.
    let token: String
    var email: String?
    /// The message of each field in error (`email`, `password`, `password_confirm`).
    var fieldErrors: [String: String]?
}
