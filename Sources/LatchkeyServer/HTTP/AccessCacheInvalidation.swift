import Hummingbird
import LatchkeyCore

/// Empties the proxy's access cache after every request that could change what an agent key resolves to: all of
/// them but the agents' own routes and the operations endpoints (the management API, the dashboard and the OAuth
/// callback are all low-traffic). Changes made here are therefore seen by the next proxied call at once.
struct AccessCacheInvalidation: RouterMiddleware {
    typealias Context = AppRequestContext
    let cache: AccessCache
    static let readOnlyPrefixes = ["/v1/proxy/", "/v1/tools", "/mcp", "/healthz", "/readyz", "/metrics", "/static/"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard !Self.readOnlyPrefixes.contains(where: { path.hasPrefix($0) }) else { return try await next(request, context) }
        defer { cache.invalidateAll() }
        return try await next(request, context)
    }
}
