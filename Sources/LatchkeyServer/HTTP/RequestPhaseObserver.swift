import NIOCore
import NIOHTTP1

/// Placed right after the HTTP request parser: tells `ConnectionTimeouts` when a request head has arrived, when its
/// body has ended and when its response has been written, whichever path (the event-loop proxy or Hummingbird)
/// answers it.
///
/// A response that ends while its own request's body is still arriving (a 401 decided on the head, a 413) starts a
/// lingering close: the framework reads and discards the rest of the body, so that a client that sends its whole
/// body before reading the response still gets it, but only for `ConnectionTimeouts.lingerTime`; a body still
/// arriving then is cut with the connection. Without the limit an unauthenticated client could keep a connection
/// busy for as long as it cares to send.
final class RequestPhaseObserver: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let timeouts: ConnectionTimeouts

    init(timeouts: ConnectionTimeouts) { self.timeouts = timeouts }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: timeouts.requestHead()
        case .body: break
        case .end: timeouts.requestEnd()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            if timeouts.answersRequestStillArriving { timeouts.linger() }
            timeouts.responseEnd()
        }
        context.write(data, promise: promise)
    }
}
