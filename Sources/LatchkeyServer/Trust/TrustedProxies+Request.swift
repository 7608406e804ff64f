import HTTPTypes
import Hummingbird

extension TrustedProxies {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// The address `request` is taken to come from (see `clientAddress(peer:forwardedFor:)`).
    func client(of request: Request, context: AppRequestContext) -> String {
        clientAddress(peer: context.peerAddress, forwardedFor: request.headers[values: Self.forwardedFor])
    }
}
