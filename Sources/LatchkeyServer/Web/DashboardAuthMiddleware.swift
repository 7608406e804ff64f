import Foundation
import Hummingbird
import LatchkeyCore

/// Dashboard pages need a signed-in browser; without one, GETs go to the sign-in page and come back afterwards.
struct DashboardAuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let sessions: SessionService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let (user, session) = try await sessions.authenticate(cookie: request.cookies[BrowserCookies.session]?.value) else {
            let next = request.method == .get ? request.uri.path + (request.uri.query.map { "?" + $0 } ?? "") : "/credentials"
            return PageRenderer.redirect("/login?next=" + TokenRequester.formEncode(next))
        }
        var context = context
        context.user = user
        context.session = session
        return try await next(request, context)
    }
}

extension AppRequestContext {
    /// Reads a form and checks its CSRF token against the session's; a mismatch changes nothing.
    func form(_ request: Request) async throws -> FormInput {
        let form = try await FormInput.read(request)
        guard let session, SessionService.csrfMatches(form["csrf"], session.csrf) else {
            throw APIError(.forbidden, "csrf_failed", "this form has expired or did not come from Latchkey; reload the page and try again")
        }
        return form
    }
}
