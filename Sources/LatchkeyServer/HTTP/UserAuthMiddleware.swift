import HTTPTypes
import Hummingbird
import LatchkeyCore

/// Authenticates management API calls: `Authorization: Bearer lku_…`, or a dashboard session cookie. With the
/// cookie, anything but a read also needs the session's CSRF token in `X-CSRF-Token`, so no other site can act
/// with a signed-in browser.
struct UserAuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let users: UserService
    let sessions: SessionService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let bearer = BearerToken.from(request) {
            context.user = try await users.authenticate(bearer: bearer)
        } else if let (user, session) = try await sessions.authenticate(cookie: request.cookies[BrowserCookies.session]?.value) {
            if request.method != .get && request.method != .head,
               !SessionService.csrfMatches(request.headers[HTTPField.Name("X-CSRF-Token")!], session.csrf) {
                throw APIError(.forbidden, "csrf_failed", "requests authenticated by the session cookie need the X-CSRF-Token header")
            }
            context.user = user
            context.session = session
        } else {
            throw LatchkeyError.unauthorized
        }
        return try await next(request, context)
    }
}
