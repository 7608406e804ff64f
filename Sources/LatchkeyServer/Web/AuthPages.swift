import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore

/// `/login`, `/logout` and the first-run `/setup`.
struct AuthPages {
    let runtime: LatchkeyRuntime
    let renderer: PageRenderer

    var secure: Bool { renderer.secureCookies }

    func register(on router: Router<AppRequestContext>) {
        router.get("/") { request, _ in
            PageRenderer.redirect(request.cookies[BrowserCookies.session] == nil ? "/login" : "/credentials")
        }
        router.get("login") { request, context in
            if try await runtime.sessions.authenticate(cookie: request.cookies[BrowserCookies.session]?.value) != nil {
                return PageRenderer.redirect(Self.safeNext(request.uri.queryParameters["next"].map(String.init)))
            }
            if try await runtime.setup.isOpen() {
                return renderer.message(heading: "Latchkey is not set up yet", message: "Open the one-time setup link that `latchkey serve` printed in its log to create the first admin.",
                                        success: false, status: .ok, context: context, link: nil)
            }
            return anonymousPage("login", ["next": request.uri.queryParameters["next"].map(String.init) ?? "/credentials"], request: request, context: context, title: "Sign in")
        }
        router.post("login") { request, context in
            let form = try await anonymousForm(request)
            let email = form["email"] ?? ""
            let next = Self.safeNext(form["next"])
            do {
                let (cookie, _, _) = try await runtime.sessions.signIn(email: email, password: form["password"] ?? "", client: Self.client(request))
                var response = PageRenderer.redirect(next)
                response.setCookie(BrowserCookies.cookie(BrowserCookies.session, cookie, maxAge: Int(SessionService.lifetime), secure: secure))
                return response
            } catch let error as SignInError {
                let message = switch error {
                case .invalid: "That email and password do not match an account."
                case .throttled: "Too many failed attempts. Wait a few minutes before trying again."
                }
                return anonymousPage("login", ["email": email, "next": next], request: request, context: context, title: "Sign in", error: message,
                                     status: error == .invalid ? .unauthorized : .tooManyRequests)
            }
        }
        router.post("logout") { request, context in
            let form = try await FormInput.read(request)
            // Signing out needs the session's CSRF token too: a foreign page must not be able to sign people out.
            if let (_, session) = try await runtime.sessions.authenticate(cookie: request.cookies[BrowserCookies.session]?.value),
               SessionService.csrfMatches(form["csrf"], session.csrf) {
                try await runtime.sessions.signOut(cookie: request.cookies[BrowserCookies.session]?.value)
            }
            var response = PageRenderer.redirect("/login")
            response.setCookie(BrowserCookies.cleared(BrowserCookies.session, secure: secure))
            _ = context
            return response
        }
        router.get("setup") { request, context in
            guard try await runtime.setup.isOpen() else { return PageRenderer.redirect("/login") }
            return anonymousPage("setup", ["token": request.uri.queryParameters["token"].map(String.init) ?? ""], request: request, context: context, title: "Set up Latchkey")
        }
        router.post("setup") { request, context in
            let form = try await anonymousForm(request)
            let email = form["email"] ?? "", password = form["password"] ?? ""
            var values: [String: Any] = ["token": form["token"] ?? "", "email": email]
            guard password == form["password_confirm"] else {
                values["field_errors"] = ["password_confirm": "The two passwords differ."]
                return anonymousPage("setup", values, request: request, context: context, title: "Set up Latchkey", status: .badRequest)
            }
            do {
                let user = try await runtime.setup.complete(token: form["token"] ?? "", email: email, password: password)
                let (cookie, _) = try await runtime.sessions.open(for: user)
                var response = PageRenderer.redirect("/credentials?notice=welcome")
                response.setCookie(BrowserCookies.cookie(BrowserCookies.session, cookie, maxAge: Int(SessionService.lifetime), secure: secure))
                return response
            } catch LatchkeyError.validationFailed(let field, let message) {
                values["field_errors"] = [field: message]
                return anonymousPage("setup", values, request: request, context: context, title: "Set up Latchkey", status: .badRequest)
            } catch LatchkeyError.forbidden(let message) {
                return renderer.message(heading: "This setup link cannot be used", message: message, success: false, status: .forbidden, context: context, link: ("/login", "Sign in"))
            }
        }
    }

    /// Pages shown before sign-in carry a CSRF token from a cookie (double submit), so forged sign-ins fail too.
    func anonymousPage(_ template: String, _ values: [String: Any], request: Request, context: AppRequestContext, title: String,
                       error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let existing = request.cookies[BrowserCookies.anonymousCSRF]?.value
        let token = existing.flatMap { $0.count == 43 ? $0 : nil } ?? PKCE.randomToken()
        var values = values
        values["csrf"] = token
        var response = renderer.page(template, values, context: context, tab: .none, title: title, error: error, status: status)
        response.setCookie(BrowserCookies.cookie(BrowserCookies.anonymousCSRF, token, maxAge: 3600, secure: secure))
        return response
    }

    func anonymousForm(_ request: Request) async throws -> FormInput {
        let form = try await FormInput.read(request)
        guard let cookie = request.cookies[BrowserCookies.anonymousCSRF]?.value, SessionService.csrfMatches(form["csrf"], cookie) else {
            throw APIError(.forbidden, "csrf_failed", "this form has expired or did not come from Latchkey; reload the page and try again")
        }
        return form
    }

    /// Only local paths: an attacker's `next=https://evil` must not turn sign-in into an open redirect.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), !next.contains("://") else { return "/credentials" }
        return next
    }

    static func client(_ request: Request) -> String {
        // Behind a load balancer every client shares an address; the per-email limit still holds there.
        request.headers[HTTPField.Name("X-Forwarded-For")!]?.split(separator: ",").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? "direct"
    }
}
