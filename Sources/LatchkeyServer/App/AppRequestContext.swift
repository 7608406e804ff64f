import Hummingbird
import LatchkeyCore

/// The request context: who is calling, once authenticated.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The signed-in user (management API).
    public var user: User?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// The authenticated user, or `unauthorized`.
    func requireUser() throws -> User {
        guard let user else { throw LatchkeyError.unauthorized }
        return user
    }
}
