import Hummingbird

/// Refuses requests whose headers together exceed the limit, with a JSON 431.
/// (Beyond about 80 KiB the HTTP parser itself closes the connection before any handler runs.)
struct HeaderLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var total = 0
        for field in request.headers { total += field.name.rawName.utf8.count + field.value.utf8.count + 4 }
        guard total <= limit else {
            throw APIError(.requestHeaderFieldsTooLarge, "headers_too_large", "the request headers are larger than \(limit) bytes in total")
        }
        return try await next(request, context)
    }
}
