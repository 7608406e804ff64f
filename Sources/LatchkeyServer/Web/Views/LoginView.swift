/// `login`: the sign-in form, with the email entered when it comes back.
struct LoginView: PageView {
    static let template = "login"

    /// Where to go after signing in (a local path).
    let next: String
    var email: String?
}
