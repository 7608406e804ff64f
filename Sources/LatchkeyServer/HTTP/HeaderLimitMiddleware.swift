import Hummingbird

/// Refuses requests whose headers together exceed the limit, with a JSON 431.
/// (Beyond about 80 KiB the HTTP parser itself closes the connection before any handler runs.)
struct HeaderLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var total = 0
        for field in request.headers { total += Self.size(name: field.name.rawName, value: field.value) }
        guard total <= limit else {
            throw APIError(.requestHeaderFieldsTooLarge, "headers_too_large", "the request headers are larger than \(limit) bytes in total")
        }
        return try await next(request, context)
    }

    /// What one header counts against the limit: as it travels, `name: value` and CRLF.
    static func size(name: String, value: String) -> Int { name.utf8.count + value.utf8.count + 4 }
}
