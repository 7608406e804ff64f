import Hummingbird

extension RouterMethods {
    /// The methods a known route refuses with 405 rather than 404: the usual ones, OPTIONS, TRACE and QUERY.
    static var refusable: [HTTPRequest.Method] {
        [.get, .post, .put, .patch, .delete, .options, .trace] + [HTTPRequest.Method("QUERY")].compactMap { $0 }
    }

    /// Answers 405 `method_not_allowed` (with `Allow`) for every other method on `path`, so that a known route
    /// called with the wrong method says so instead of pretending not to exist.
    func allowOnly(_ path: RouterPath, _ allowed: [HTTPRequest.Method]) {
        let allowHeader = allowed.map(\.rawValue).joined(separator: ", ")
        for method in Self.refusable where !allowed.contains(method) {
            on(path, method: method) { _, _ -> Response in
                var error = APIError(.methodNotAllowed, "method_not_allowed", "\(method.rawValue) is not allowed here; use \(allowHeader)")
                error.extraHeaders[.allow] = allowHeader
                throw error
            }
        }
    }
}
