import Hummingbird
import LatchkeyCore

/// Authenticates management API calls by `Authorization: Bearer lku_…`.
struct UserAuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let users: UserService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.user = try await users.authenticate(bearer: BearerToken.from(request))
        return try await next(request, context)
    }
}
