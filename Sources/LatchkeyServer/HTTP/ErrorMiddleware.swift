import Hummingbird
import LatchkeyCore
import Logging

/// Turns every error into SPEC's JSON error; logs unexpected ones (by type, never by request content).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError.from(error)
            // An APIError thrown by a handler has been dealt with (and logged, if it had to be) where it was made.
            if apiError.isServerFault, !(error is APIError) {
                context.logger.error("Request failed", metadata: ["error.type": "\(type(of: error))", "error": "\(Self.safeDescription(error))"])
            }
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
