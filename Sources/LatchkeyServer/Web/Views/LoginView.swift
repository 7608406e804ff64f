/// `login`: the sign-in form, with the email entered when it comes back, and the company sign-in button.
struct LoginView: PageView {
    static let template = "login"

    /// The identity provider's button: its name and where it starts.
    struct SSOLink: Encodable {
        let name: String
        let url: String
    }

    /// Where to go after signing in (a local path).
    let next: String
    var email: String?
    /// Whether the password form is shown (`LATCHKEY_PASSWORD_SIGNIN`).
    var passwordSignin = true
    /// The company sign-in, when OpenID Connect is configured.
    var sso: SSOLink?
}
