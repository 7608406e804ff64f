import Hummingbird
import NIOCore
import LatchkeyCore

/// The request context: who is calling, once authenticated.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The signed-in user (management API or dashboard).
    public var user: User?
    /// The browser session, when the user came with a session cookie.
    public var session: Session?
    /// The address of the connection's other end (a client, or a proxy in front of Latchkey).
    public var peerAddress: SocketAddress?

    public init(source: Source) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress
    }

    /// The authenticated user, or `unauthorized`.
    func requireUser() throws -> User {
        guard let user else { throw LatchkeyError.unauthorized }
        return user
    }
}
