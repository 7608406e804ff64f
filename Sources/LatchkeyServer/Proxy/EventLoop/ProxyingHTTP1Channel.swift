import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1 child channel with a `ProxyChannelHandler` placed right after NIO's HTTP parser, ahead of
/// the conversion to Hummingbird's request types, and the client-side timeouts: `ConnectionTimeouts` first in the
/// pipeline (raw bytes), told of request and response boundaries by the `ProxyChannelHandler`.
struct ProxyingHTTP1Channel: ServerChildChannel {
    let base: HTTP1Channel
    let proxy: EventLoopProxy
    /// Client-side timeouts for every connection (`ConnectionTimeouts`).
    let timeouts: ConnectionTimeouts.Limits

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            let connectionTimeouts = ConnectionTimeouts(limits: timeouts)
            try pipeline.addHandler(ProxyChannelHandler(service: proxy, timeouts: connectionTimeouts), position: .after(decoder))
            try pipeline.addHandler(connectionTimeouts, position: .first)
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }

    /// The server builder for `Application(server:)`.
    static func builder(proxy: EventLoopProxy, timeouts: ConnectionTimeouts.Limits) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            ProxyingHTTP1Channel(base: HTTP1Channel(responder: responder), proxy: proxy, timeouts: timeouts)
        }
    }
}
