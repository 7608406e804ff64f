import NIOCore
import NIOHTTP1

/// One HTTP/1.1 connection to a provider, owned by an `UpstreamPool` on one event loop. It serves one call at a
/// time and reports the response to that call's delegate; reads pause while the agent cannot take more bytes.
final class UpstreamConnection: ChannelDuplexHandler, RemovableChannelHandler, TickFlushable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    let origin: UpstreamOrigin
    private(set) var channel: (any Channel)?
    /// The call waiting for the response. Held strongly, and let go whenever the call ends here (its response's
    /// end, a failure, `abandon`, the connection closing): a weak reference would give every call's exchange a
    /// side table to allocate and free.
    private var delegate: (any UpstreamResponseDelegate)?
    private var context: ChannelHandlerContext?
    /// Whether the last response allows another request on this connection (`ProxyRules.mayReuseConnection`).
    private var keepAlive = true
    /// The current call's method: whether a response to it may have a body depends on it.
    private var method = "GET"
    private var paused = false
    private var readPending = false
    /// When it went back to the pool (for the idle timeout).
    var idleSince = NIODeadline.now()
    /// When the provider last sent something, or the current call began (for the read timeout).
    private var lastActivity = NIODeadline.now()

    /// Whether it was opened to an address `UpstreamAddressGuard` vetted as public.
    var vetted = false

    /// Whether a call is waiting on this connection.
    var isBusy: Bool { delegate != nil }

    init(origin: UpstreamOrigin) { self.origin = origin }

    /// Open and ready for another request.
    var isReusable: Bool { keepAlive && delegate == nil && (channel?.isActive ?? false) }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        channel = context.channel
    }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Sends a request whose body is in memory (flushed by `flusher` with the loop's other writes); the response
    /// goes to `delegate`.
    func send(_ head: HTTPRequestHead, body: ByteBuffer?, to delegate: any UpstreamResponseDelegate, flusher: TickFlusher) {
        guard let context else { delegate.upstreamFailed(nil); return }
        self.delegate = delegate
        keepAlive = true
        method = head.method.rawValue
        lastActivity = .now()
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body, body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.write(wrapOutboundOut(.end(nil)), promise: nil)
        flusher.flushSoon(self)
    }

    func flushNow() { context?.flush() }

    /// Stops or resumes reading from the provider (back-pressure from the agent's connection).
    func setPaused(_ paused: Bool) {
        self.paused = paused
        if !paused { lastActivity = .now() }
        if !paused, readPending, let context {
            readPending = false
            context.read()
        }
    }

    /// Gives up on the current call: the connection is closed, never reused.
    func abandon() {
        delegate = nil
        keepAlive = false
        context?.close(promise: nil)
    }

    /// Ends the current call when the provider has been silent for `limit` (not while the agent holds reads).
    func checkReadTimeout(now: NIODeadline, limit: TimeAmount) {
        guard let waiting = delegate, !paused, now - lastActivity >= limit else { return }
        abandon()
        waiting.upstreamTimedOut()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = .now()
        guard delegate != nil else {
            // Bytes nobody asked for (after a response ended, or after the call was given up): they must never be
            // read as a later call's response, so the connection goes.
            keepAlive = false
            context.close(promise: nil)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head):
            keepAlive = ProxyRules.mayReuseConnection(method: method, response: head)
            delegate?.upstreamHead(head)
        case .body(let body):
            delegate?.upstreamBody(body)
        case .end:
            let finished = delegate
            delegate = nil
            finished?.upstreamEnd()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if paused { readPending = true } else { context.read() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        keepAlive = false
        let failed = delegate
        delegate = nil
        failed?.upstreamFailed(nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        keepAlive = false
        let failed = delegate
        delegate = nil
        failed?.upstreamFailed(error)
        context.close(promise: nil)
    }
}
