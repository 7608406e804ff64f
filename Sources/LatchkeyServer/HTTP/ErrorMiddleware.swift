import Hummingbird
import LatchkeyCore
import Logging

/// Turns every error into SPEC's JSON error, or into the dashboard's error page for a browser (`ErrorPage`); logs
/// unexpected ones (by type, never by request content).
///
/// The router has one for every route; the dashboard's signed-in pages have another inside their sign-in check, so
/// their error pages keep the header with the user's tabs.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    /// The dashboard's pages; nil without the dashboard (errors are always JSON then).
    var renderer: PageRenderer?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError.from(error)
            // An APIError thrown by a handler has been dealt with (and logged, if it had to be) where it was made.
            if apiError.isServerFault, !(error is APIError) {
                context.logger.error("Request failed", metadata: ["error.type": "\(type(of: error))", "error": "\(Self.safeDescription(error))"])
            }
            if let renderer, ErrorPage.prefersPage(request) { return ErrorPage.response(apiError, renderer: renderer, context: context) }
            return try apiError.response(from: request, context: context)
        }
    }

    /// Errors from our own layers describe themselves without secrets; others are reduced to their type.
    static func safeDescription(_ error: any Error) -> String {
        switch error {
        case let error as SealingError: error.description
        case let error as StoreError: error.description
        case let error as ConfigurationError: error.description
        default: String(describing: type(of: error))
        }
    }
}
