import NIOCore

/// Cuts client connections that hold the server without making progress: idle between requests, a request head
/// that does not arrive, a body that stops arriving, a response the client stops reading. Sits first in the
/// pipeline, seeing raw bytes; `ProxyChannelHandler`, right after the HTTP parser, tells it where each request is.
///
/// Without it one client could keep thousands of connections (and, through a stalled response, provider
/// connections) open for free: the proxy pauses reading from the provider while the client is not reading, and the
/// provider-side read timeout does not count paused time.
///
/// Inbound only: it learns of responses from `ProxyChannelHandler` and of a client that stops reading from
/// writability changes, so the writes, flushes and read requests of every call skip it.
final class ConnectionTimeouts: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The limits, from `LATCHKEY_AGENT_IDLE_TIMEOUT`, `LATCHKEY_HEADER_TIMEOUT`, `LATCHKEY_BODY_TIMEOUT`.
    struct Limits: Sendable {
        /// No request under way and nothing arriving; also how long a response may wait for the client to read.
        var idle: TimeAmount
        /// From the first byte of a request head to its end.
        var header: TimeAmount
        /// Without a byte of the request body arriving.
        var body: TimeAmount
    }

    private let limits: Limits
    private var context: ChannelHandlerContext?
    /// When the current request head began arriving; nil when none is being read.
    private var headStartedAt: NIODeadline?
    /// Whether a request's body is being read.
    private var readingBody = false
    /// Requests whose response has not been fully written.
    private var owed = 0
    private var lastRead = NIODeadline.now()
    private var lastResponseEnd = NIODeadline.now()
    private var unwritableSince: NIODeadline?
    /// Set once a response went out before its request's body: unless that body has ended by then, the connection is
    /// closed at this time.
    private var lingerUntil: NIODeadline?
    /// How long a connection answered before its request's body arrived keeps reading (and discarding) that body.
    static let lingerTime = TimeAmount.seconds(5)
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?

    init(limits: Limits) { self.limits = limits }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        arm()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastRead = .now()
        if !readingBody, headStartedAt == nil {
            headStartedAt = lastRead
            arm()
        }
        context.fireChannelRead(data)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        unwritableSince = context.channel.isWritable ? nil : .now()
        arm()
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    // MARK: from ProxyChannelHandler (request and response boundaries, whichever path answers)

    /// A request head was parsed.
    func requestHead() {
        headStartedAt = nil
        readingBody = true
        owed += 1
        arm()
    }

    /// The request's body ended.
    func requestEnd() {
        readingBody = false
        lingerUntil = nil
        arm()
    }

    /// A response is being written to its end.
    ///
    /// One that ends while its own request's body is still arriving (a 401 decided on the head, a 413) starts a
    /// lingering close: the framework reads and discards the rest of the body, so that a client that sends its whole
    /// body before reading the response still gets it, but only for `lingerTime`; a body still arriving then is cut
    /// with the connection. Without the limit an unauthenticated client could keep a connection busy for as long as
    /// it cares to send.
    func responseEnd() {
        if readingBody && owed == 1 { lingerUntil = .now() + Self.lingerTime }
        owed = max(0, owed - 1)
        lastResponseEnd = .now()
        arm()
    }

    // MARK: deadlines

    /// When the connection must be cut unless something changes, or nil when no client-side limit applies (a
    /// response under way to a client that reads: the provider's timeouts govern that).
    private var deadline: NIODeadline? {
        if let lingerUntil { return lingerUntil }
        let answering = owed - (readingBody ? 1 : 0)
        if answering > 0 {
            // An earlier request is being answered; the server may be holding reads meanwhile, so only a client
            // that stops reading its response counts against it.
            return unwritableSince.map { $0 + limits.idle }
        }
        if readingBody { return lastRead + limits.body }
        if let headStartedAt { return headStartedAt + limits.header }
        return max(lastRead, lastResponseEnd) + limits.idle
    }

    /// Schedules the check for the current deadline, unless one is already due no later.
    private func arm() {
        guard let context, let deadline else { return }
        if let timerDeadline, timerDeadline <= deadline, timer != nil { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in fire() }
    }

    private func fire() {
        timer = nil
        timerDeadline = nil
        guard let context else { return }
        guard let deadline else { return }
        if deadline <= .now() {
            context.close(promise: nil)
        } else {
            arm()
        }
    }
}
