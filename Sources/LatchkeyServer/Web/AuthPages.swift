import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore

/// `/login`, `/logout` and the first-run `/setup`.
struct AuthPages {
    let sessions: SessionService
    let setup: SetupService
    /// The deployment's OpenID Connect provider, offered beside (or instead of) passwords.
    let oidc: OIDCSettings?
    let passwordSignIn: Bool
    /// Whose forwarded address is believed, for the sign-in limits.
    let trustedProxies: TrustedProxies
    let renderer: PageRenderer

    var secure: Bool { renderer.secureCookies }

    func register(on router: Router<AppRequestContext>) {
        router.get("/") { request, _ in
            PageRenderer.redirect(request.cookies[BrowserCookies.session] == nil ? "/login" : "/credentials")
        }
        router.get("login") { request, context in
            if try await sessions.authenticate(cookie: request.cookies[BrowserCookies.session]?.value) != nil {
                return PageRenderer.redirect(LocalRedirect.target(request.uri.queryParameters["next"].map(String.init)))
            }
            // With an identity provider the first people can sign in through it; without one, setup comes first.
            if oidc == nil, try await setup.isOpen() {
                return renderer.message(heading: "Latchkey is not set up yet", message: "Open the one-time setup link that `latchkey serve` printed in its log to create the first admin.",
                                        success: false, status: .ok, context: context, link: nil)
            }
            return anonymousPage(loginView(next: LocalRedirect.target(request.uri.queryParameters["next"].map(String.init))), request: request, context: context, title: "Sign in")
        }
        router.post("login") { request, context in
            let form = try await anonymousForm(request)
            let email = form["email"] ?? ""
            let next = LocalRedirect.target(form["next"])
            guard passwordSignIn else {
                // Turned off at the route, not only hidden: a hand-made POST must not sign anyone in with a password.
                let via = oidc.map { " Sign in with \($0.displayName) instead." } ?? ""
                return anonymousPage(loginView(next: next), request: request, context: context, title: "Sign in",
                                     error: "Password sign-in is turned off on this Latchkey." + via, status: .forbidden)
            }
            do {
                let client = trustedProxies.client(of: request, context: context)
                let (cookie, _, _) = try await sessions.signIn(email: email, password: form["password"] ?? "", client: client)
                var response = PageRenderer.redirect(next)
                response.setCookie(BrowserCookies.cookie(BrowserCookies.session, cookie, maxAge: Int(SessionService.lifetime), secure: secure))
                return response
            } catch let error as SignInError {
                let (message, retryAfter): (String, Int?) = switch error {
                case .invalid: ("That email and password do not match an account.", nil)
                case .throttled(let seconds): ("Too many failed attempts from here. Wait \(Self.duration(seconds)) before trying again.", seconds)
                case .busy: ("Latchkey is checking many sign-ins right now. Try again in a moment.", 1)
                }
                var response = anonymousPage(loginView(next: next, email: email), request: request, context: context, title: "Sign in", error: message,
                                             status: error == .invalid ? .unauthorized : .tooManyRequests)
                if let retryAfter { response.headers[.retryAfter] = "\(retryAfter)" }
                return response
            }
        }
        router.post("logout") { request, context in
            let form = try await FormInput.read(request)
            let cookie = request.cookies[BrowserCookies.session]?.value
            if let (_, session) = try await sessions.authenticate(cookie: cookie) {
                // Signing out needs the session's CSRF token: a foreign page must not be able to sign people out, not
                // even by clearing the cookie in their browser.
                guard SessionService.csrfMatches(form["csrf"], session.csrf) else {
                    throw APIError(.forbidden, "csrf_failed", "this form has expired or did not come from Latchkey; reload the page and try again")
                }
                try await sessions.signOut(cookie: cookie)
            }
            var response = PageRenderer.redirect("/login")
            response.setCookie(BrowserCookies.cleared(BrowserCookies.session, secure: secure))
            _ = context
            return response
        }
        router.get("setup") { request, context in
            guard try await setup.isOpen() else { return PageRenderer.redirect("/login") }
            return anonymousPage(SetupView(token: request.uri.queryParameters["token"].map(String.init) ?? ""), request: request, context: context, title: "Set up Latchkey")
        }
        router.post("setup") { request, context in
            let form = try await anonymousForm(request)
            let email = form["email"] ?? "", password = form["password"] ?? ""
            var view = SetupView(token: form["token"] ?? "", email: email)
            guard password == form["password_confirm"] else {
                view.fieldErrors = ["password_confirm": "The two passwords differ."]
                return anonymousPage(view, request: request, context: context, title: "Set up Latchkey", status: .badRequest)
            }
            do {
                let user = try await setup.complete(token: form["token"] ?? "", email: email, password: password)
                let (cookie, _) = try await sessions.open(for: user)
                var response = PageRenderer.redirect("/credentials?notice=welcome")
                response.setCookie(BrowserCookies.cookie(BrowserCookies.session, cookie, maxAge: Int(SessionService.lifetime), secure: secure))
                return response
            } catch LatchkeyError.validationFailed(let field, let message) {
                view.fieldErrors = [field: message]
                return anonymousPage(view, request: request, context: context, title: "Set up Latchkey", status: .badRequest)
            } catch LatchkeyError.forbidden(let message) {
                return renderer.message(heading: "This setup link cannot be used", message: message, success: false, status: .forbidden, context: context, link: ("/login", "Sign in"))
            }
        }
    }

    /// The sign-in page: where to go afterwards, the password form when it is on, the provider's button.
    func loginView(next: String, email: String? = nil) -> LoginView {
        LoginView(next: next, email: email, passwordSignin: passwordSignIn,
                  sso: oidc.map { .init(name: $0.displayName, url: "/oidc/start?next=" + TokenRequester.formEncode(next)) })
    }

    /// Pages shown before sign-in carry a CSRF token from a cookie (double submit), so forged sign-ins fail too.
    func anonymousPage(_ view: some PageView, request: Request, context: AppRequestContext, title: String,
                       error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let existing = request.cookies[BrowserCookies.anonymousCSRF(secure: secure)]?.value
        let token = existing.flatMap { $0.count == 43 ? $0 : nil } ?? PKCE.randomToken()
        var response = renderer.page(view, context: context, tab: .none, title: title, error: error, status: status, csrf: token)
        response.setCookie(BrowserCookies.cookie(BrowserCookies.anonymousCSRF(secure: secure), token, maxAge: 3600, secure: secure))
        return response
    }

    func anonymousForm(_ request: Request) async throws -> FormInput {
        let form = try await FormInput.read(request)
        guard let cookie = request.cookies[BrowserCookies.anonymousCSRF(secure: secure)]?.value, SessionService.csrfMatches(form["csrf"], cookie) else {
            throw APIError(.forbidden, "csrf_failed", "this form has expired or did not come from Latchkey; reload the page and try again")
        }
        return form
    }

    /// "12 seconds", "5 minutes".
    static func duration(_ seconds: Int) -> String {
        seconds < 120 ? "\(seconds) second\(seconds == 1 ? "" : "s")" : "\((seconds + 59) / 60) minutes"
    }
}
