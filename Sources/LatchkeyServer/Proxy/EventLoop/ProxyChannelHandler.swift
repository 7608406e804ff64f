import NIOCore
import NIOHTTP1

/// Sits in each HTTP/1 connection between NIO's HTTP parser and Hummingbird. A request `EventLoopProxy` accepts is
/// answered here by a `ProxyExchange`; every other request passes through untouched. Responses leave in request
/// order: a proxy call that arrives while Hummingbird still owes a response goes to Hummingbird too, and requests
/// pipelined behind a call answered here wait (reads held) until it has finished.
///
/// Sitting right after the parser and seeing every response leave, whichever path answers, it also tells the
/// connection's `ConnectionTimeouts` where each request is (head parsed, body ended, response written): one handler
/// for both jobs saves every message a pipeline hop.
final class ProxyChannelHandler: ChannelDuplexHandler, RemovableChannelHandler, TickFlushable {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        /// Forwarding a request's parts to Hummingbird.
        case passing
        case collecting(ProxyRequest)
        case exchanging(any AgentExchange)
    }

    private let service: EventLoopProxy
    /// Told of request and response boundaries.
    private let timeouts: ConnectionTimeouts
    private var state = State.idle
    /// Requests handed to Hummingbird whose response has not ended yet.
    private var frameworkPending = 0
    private var queued = CircularBuffer<HTTPServerRequestPart>()
    private var readHeld = false
    /// Whether Hummingbird was handed a request part since the last read completed (it need not hear of reads that
    /// carried only calls answered here).
    private var passedSinceReadComplete = false
    private var context: ChannelHandlerContext?
    private var pool: UpstreamPool?

    init(service: EventLoopProxy, timeouts: ConnectionTimeouts) {
        self.service = service
        self.timeouts = timeouts
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        pool = service.pools.pool(for: context.eventLoop)
    }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    // MARK: requests in

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head: timeouts.requestHead()
        case .body: break
        case .end: timeouts.requestEnd()
        }
        route(part, context: context)
    }

    private func route(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch state {
        case .exchanging:
            queued.append(part)
        case .collecting(var request):
            switch part {
            case .body(var bytes):
                state = .idle  // let `request` own its buffer uniquely while it grows
                request.body.writeBuffer(&bytes)
                state = .collecting(request)
            case .end:
                let pool = pool ?? service.pools.pool(for: context.eventLoop)
                let exchange: any AgentExchange
                if request.isMCP {
                    guard let relayed = service.mcp?.exchange(for: request, responder: self, pool: pool) else {
                        state = .idle
                        passToFramework(request, context: context)
                        return
                    }
                    exchange = relayed
                } else {
                    exchange = ProxyExchange(service: service, request: request, responder: self, pool: pool)
                }
                state = .exchanging(exchange)
                exchange.start()
            case .head:
                // The parser never starts a request inside another; treat it as a protocol error.
                context.close(promise: nil)
            }
        case .passing:
            if case .end = part { state = .idle }
            pass(part, context: context)
        case .idle:
            if case .head(let head) = part, frameworkPending == 0, let request = service.accepts(head) {
                state = .collecting(request)
                return
            }
            if case .head = part {
                frameworkPending += 1
                state = .passing
            }
            pass(part, context: context)
        }
    }

    /// A request gathered here goes to Hummingbird after all, whole.
    private func passToFramework(_ request: ProxyRequest, context: ChannelHandlerContext) {
        frameworkPending += 1
        pass(.head(request.head), context: context)
        if request.body.readableBytes > 0 { pass(.body(request.body), context: context) }
        pass(.end(nil), context: context)
    }

    private func pass(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        passedSinceReadComplete = true
        context.fireChannelRead(wrapInboundOut(part))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard passedSinceReadComplete else { return }
        passedSinceReadComplete = false
        context.fireChannelReadComplete()
    }

    /// Reads stop only once a pipelined request is waiting behind an exchange (toggling read interest on every call
    /// would cost two system calls each).
    func read(context: ChannelHandlerContext) {
        if case .exchanging = state, !queued.isEmpty { readHeld = true } else { context.read() }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if case .exchanging(let exchange) = state { exchange.agentWritabilityChanged(context.channel.isWritable) }
        context.fireChannelWritabilityChanged()
    }

    /// Hummingbird closes a connection on graceful shutdown once it has no request of its own in progress; it does
    /// not know of calls answered here, so while one is under way the event waits for it. A call still arriving
    /// (its body being read) is cut: nothing of it has reached the provider, and an agent that is slow to send must
    /// not hold the shutdown.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, case .exchanging(let exchange) = state {
            exchange.closeAfterResponse()  // answered first, then `exchangeFinished(keepAlive: false)` closes
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .exchanging(let exchange) = state { exchange.cancel() }
        state = .idle
        queued.removeAll()
        context.fireChannelInactive()
    }

    // MARK: Hummingbird's responses out

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            if frameworkPending > 0 { frameworkPending -= 1 }
            timeouts.responseEnd()
        }
        context.write(data, promise: promise)
    }

    // MARK: the exchange's response

    func writeHead(_ head: HTTPResponseHead) {
        context?.write(wrapOutboundOut(.head(head)), promise: nil)
    }

    func writeBody(_ body: ByteBuffer) {
        context?.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
    }

    func flush() { context?.flush() }

    /// The response was cut short: closing the connection is the only honest signal left.
    func abort() {
        guard let context else { return }
        context.flush()
        context.close(promise: nil)
    }

    func flushNow() { context?.flush() }

    /// The exchange answered nothing and gives its request to Hummingbird (`MCPRelayExchange` after a 401 or a
    /// forgotten session); then the requests that arrived meanwhile, in order.
    func exchangeHandedOver(_ request: ProxyRequest) {
        guard let context else { return }
        state = .idle
        passToFramework(request, context: context)
        resume(context: context)
    }

    func exchangeFinished(keepAlive: Bool) {
        guard let context else { return }
        state = .idle
        timeouts.responseEnd()
        guard keepAlive else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            queued.removeAll()
            context.close(promise: nil)
            return
        }
        // The response's last bytes leave with the loop's other writes of this batch of I/O.
        context.write(wrapOutboundOut(.end(nil)), promise: nil)
        if let pool { pool.flusher.flushSoon(self) } else { context.flush() }
        resume(context: context)
    }

    /// Requests that arrived meanwhile, in order; one of them may start another exchange.
    private func resume(context: ChannelHandlerContext) {
        while !queued.isEmpty {
            if case .exchanging = state { break }
            route(queued.removeFirst(), context: context)
        }
        channelReadComplete(context: context)
        if case .exchanging = state { return }
        if readHeld {
            readHeld = false
            context.read()
        }
    }
}
