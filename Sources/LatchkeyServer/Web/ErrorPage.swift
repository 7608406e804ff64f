import HTTPTypes
import Hummingbird

/// The dashboard's error page: what a browser shows instead of SPEC's JSON error when a page fails (a credential or
/// group that is not the user's, a form from elsewhere, a route that does not exist, a failure on the server).
///
/// Which one a request gets is decided by `prefersPage`: programs keep JSON, browsers get a page.
enum ErrorPage {
    /// Routes for programs: their errors are always SPEC's JSON, whatever the client accepts.
    static let machinePrefixes = ["/api", "/v1", "/mcp", "/healthz", "/readyz", "/metrics", "/oauth/client-metadata.json", "/.well-known"]

    /// A page for a request outside the program routes whose `Accept` lists `text/html` (as every browser's page load
    /// and form post does); JSON otherwise, so `curl` and scripts (`Accept: */*`) keep reading the error code.
    static func prefersPage(_ request: Request) -> Bool {
        let path = request.uri.path
        if machinePrefixes.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) { return false }
        guard let accept = request.headers[.accept] else { return false }
        return accept.split(separator: ",").contains { range in
            let parts = range.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            // `text/html;q=0` refuses HTML.
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return parts.first == "text/html" && quality > 0
        }
    }

    /// The page of `error`. A server fault says only that it happened: its message is never about internals, but the
    /// page does not even pass it on.
    static func response(_ error: APIError, renderer: PageRenderer, context: AppRequestContext) -> Response {
        let (title, heading) = words(error.status)
        let message = error.status.code >= 500
            ? "Latchkey could not finish this request. Nothing about it is shown here; it has been logged. Try again in a moment."
            : sentence(error.message)
        let view = MessageView(heading: heading, message: message, success: false, status: Int(error.status.code),
                               linkURL: "/credentials", linkLabel: "Back to your credentials", code: error.code)
        var response = renderer.page(view, context: context, tab: .none, title: title, status: error.status)
        if let retryAfter = error.extraHeaders[.retryAfter] { response.headers[.retryAfter] = retryAfter }
        return response
    }

    /// The page's title and heading for a status.
    static func words(_ status: HTTPResponse.Status) -> (title: String, heading: String) {
        switch status.code {
        case 400: ("Bad request", "This request could not be used")
        case 401: ("Sign-in needed", "Sign in to see this page")
        case 403: ("Not allowed", "This was not allowed")
        case 404: ("Not found", "There is nothing here")
        case 405: ("Not allowed here", "This page does not take that kind of request")
        case 409: ("Conflict", "This changed in the meantime")
        case 413: ("Too large", "What was sent is too large")
        case 429: ("Too many requests", "Too many requests")
        case 500...: ("Something went wrong", "Something went wrong on our side")
        default: (status.reasonPhrase, status.reasonPhrase)
        }
    }

    /// An error message as a sentence: capitalised, with a full stop.
    static func sentence(_ message: String) -> String {
        guard let first = message.first else { return "" }
        let text = first.uppercased() + message.dropFirst()
        return text.hasSuffix(".") ? text : text + "."
    }
}
