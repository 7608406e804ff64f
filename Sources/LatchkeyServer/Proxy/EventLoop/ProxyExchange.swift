import HTTPTypes
import LatchkeyCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// One call on the event-loop path, from the agent's complete request to the end of the response: decided by
/// `ProxyForwarder.prepare`, sent on a pooled provider connection, the response relayed as it arrives (reads paused
/// while the agent's connection is full). A 401 to a renewable OAuth call is held back until a renewed token is
/// known: the call is sent once more with it, or the held 401 goes to the agent. Lives on its connection's loop.
final class ProxyExchange: UpstreamResponseDelegate, AgentExchange {
    private let service: EventLoopProxy
    private let request: ProxyRequest
    private let call: ProxyForwarder.Call
    private let provider: String
    private let metrics: ProviderMetrics
    private let eventLoop: any EventLoop
    private let pool: UpstreamPool
    private weak var responder: ProxyChannelHandler?
    private let started = ContinuousClock.now
    /// Whether the agent's connection stays open after this response.
    private(set) var keepAlive: Bool

    private var prepared: PreparedCall?
    private var connection: UpstreamConnection?
    private var connectionReused = false
    private var sentUpstream = ContinuousClock.now
    /// Whether the response head went to the agent (after that, a failure can only cut the connection).
    private var responding = false
    private var receivedAny = false
    private var retriedFresh = false
    private var held401: (head: HTTPResponseHead, body: ByteBuffer)?
    private var finished = false
    /// The provider's status as relayed, for the metrics.
    private var responseOutcome = "200"
    /// The relayed body's pass through the call's scrubber (set when the head is relayed).
    private var scrubbing = ScrubbingStream(.empty)
    private static let held401Limit = 64 * 1024

    init(service: EventLoopProxy, request: ProxyRequest, responder: ProxyChannelHandler, pool: UpstreamPool) {
        self.service = service
        self.pool = pool
        self.eventLoop = pool.eventLoop
        self.request = request
        self.responder = responder
        // NIO's parser reads nothing after a CONNECT head (what follows would be a tunnel): that connection can carry
        // no further request, so the refusal closes it.
        self.keepAlive = request.head.isKeepAlive && request.head.method != .CONNECT
        let target = request.target
        self.provider = target.provider
        self.metrics = service.forwarder.metrics.provider(target.provider, catalog: service.forwarder.catalog)
        self.call = request.call(path: target.path, query: target.query)
    }

    // MARK: deciding

    func start() {
        let bearer = request.bearer
        do {
            if let prepared = try service.forwarder.preparedFromCache(bearer: bearer, providerID: provider, call: call) {
                decided(.success(prepared))
                return
            }
        } catch {
            decided(.failure(error))
            return
        }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let (forwarder, call, provider) = (service.forwarder, call, provider)
        Task {
            let result: Result<PreparedCall, any Error>
            do { result = .success(try await forwarder.prepare(bearer: bearer, providerID: provider, call: call)) } catch { result = .failure(error) }
            bound.eventLoop.execute { bound.value.decided(result) }
        }
    }

    private func decided(_ result: Result<PreparedCall, any Error>) {
        guard !finished else { return }
        switch result {
        case .success(let prepared):
            self.prepared = prepared
            send(prepared, fresh: false)
        case .failure(let error):
            fail(error)
        }
    }

    // MARK: sending

    private func send(_ prepared: PreparedCall, fresh: Bool) {
        guard let origin = pool.origin(prepared.outbound.origin) else { fail(LatchkeyError.upstreamUnreachable(provider)); return }
        pool.acquire(origin, fresh: fresh, publicAddressOnly: prepared.outbound.requiresPublicAddress) { [self] result in
            guard !finished else {
                if case .success(let (connection, _)) = result { pool.release(connection) }
                return
            }
            switch result {
            case .success(let (connection, reused)):
                self.connection = connection
                connectionReused = reused
                receivedAny = false
                sentUpstream = .now
                connection.send(upstreamHead(prepared, origin: origin), body: call.bodyBytes, to: self, flusher: pool.flusher)
                pool.watch(connection)
            case .failure(let error):
                fail(ProxyForwarder.classify(error, provider: provider, limit: service.forwarder.bodyLimit))
            }
        }
    }

    private func upstreamHead(_ prepared: PreparedCall, origin: UpstreamOrigin) -> HTTPRequestHead {
        var headers = HTTPHeaders()
        headers.reserveCapacity(prepared.headers.count + 2)
        headers.add(name: "Host", value: origin.authority)
        headers.add(contentsOf: prepared.headers)
        if let body = call.bodyBytes { headers.add(name: "Content-Length", value: String(body.readableBytes)) }
        return HTTPRequestHead(version: .http1_1, method: request.head.method, uri: String(prepared.outbound.target), headers: headers)
    }

    // MARK: the provider's response

    func upstreamHead(_ head: HTTPResponseHead) {
        receivedAny = true
        guard ProxyRules.isFinalAnswer(status: Int(head.status.code)) else {
            connection?.abandon()
            connection = nil
            fail(LatchkeyError.upstreamUnreachable(provider))
            return
        }
        if ProxyRules.renewsAfter(status: Int(head.status.code), renewable: prepared?.renewable == true) {
            held401 = (head, ByteBuffer())
            return
        }
        relayHead(head)
    }

    func upstreamBody(_ body: ByteBuffer) {
        if var held = held401 {
            held401 = nil
            if held.body.readableBytes + body.readableBytes > Self.held401Limit {
                // Too large to hold: the 401 goes to the agent as it is.
                relayHead(held.head)
                relayBody(held.body)
                relayBody(body)
            } else {
                var bytes = body
                held.body.writeBuffer(&bytes)
                held401 = held
            }
            return
        }
        relayBody(body)
    }

    /// A piece of the provider's body, on its way to the agent through the scrubber.
    private func relayBody(_ body: ByteBuffer) {
        guard body.readableBytes > 0, let relayed = scrubbing.scrub(body) else { return }
        responder?.writeBody(relayed)
    }

    /// The end of the provider's body: what the scrubber held back (a tail that might have begun a secret) goes out.
    private func relayBodyEnd() {
        if let tail = scrubbing.finishBuffer() { responder?.writeBody(tail) }
    }

    func upstreamReadComplete() {
        if responding { responder?.flush() }
    }

    func upstreamEnd() {
        if let connection {
            self.connection = nil
            pool.release(connection)
        }
        if let held = held401 {
            held401 = nil
            renew(after: held)
            return
        }
        relayBodyEnd()
        finish(outcome: responseOutcome)
    }

    func upstreamTimedOut() {
        connection = nil
        guard !finished else { return }
        if responding { abort(outcome: "upstream_timeout") } else { fail(LatchkeyError.upstreamTimeout) }
    }

    func upstreamFailed(_ error: (any Error)?) {
        connection = nil
        guard !finished else { return }
        if !receivedAny, connectionReused, !retriedFresh, ProxyRules.retriesOnFreshConnection(method: request.head.method.rawValue), let prepared {
            // A pooled connection the provider had closed: once more on a new one.
            retriedFresh = true
            send(prepared, fresh: true)
            return
        }
        if responding {
            abort(outcome: "upstream_reset")
            return
        }
        fail(error.map { ProxyForwarder.classify($0, provider: provider, limit: service.forwarder.bodyLimit) }
             ?? LatchkeyError.upstreamUnreachable(provider))
    }

    private func relayHead(_ head: HTTPResponseHead) {
        metrics.upstream.recordInterval(since: sentUpstream)
        responding = true
        let (method, code) = (request.head.method.rawValue, Int(head.status.code))
        responseOutcome = ProxyRules.outcome(status: code)
        let scrubber = prepared?.scrubber ?? SecretScrubber.empty
        scrubbing = ScrubbingStream(scrubber)
        var relayed = HTTPResponseHead(version: request.head.version, status: head.status, headers: ProxyRules.relayedHeaders(head.headers, scrubber: scrubber))
        if let length = ProxyRules.relayedLength(method: method, status: code, upstream: head.headers) {
            relayed.headers.add(name: "Content-Length", value: String(length))
        } else if ProxyRules.responseHasBody(method: method, status: code), !isHTTP11 {
            keepAlive = false  // an HTTP/1.0 body of unknown length ends with the connection
        }
        addConnectionHeader(to: &relayed.headers)
        responder?.writeHead(relayed)
    }

    private var isHTTP11: Bool { request.head.version.major > 1 || (request.head.version.major == 1 && request.head.version.minor >= 1) }

    /// Says so when the connection's fate differs from its HTTP version's default.
    private func addConnectionHeader(to headers: inout HTTPHeaders) {
        if !keepAlive, isHTTP11 { headers.add(name: "Connection", value: "close") }
        if keepAlive, !isHTTP11 { headers.add(name: "Connection", value: "keep-alive") }
    }

    /// A held 401 on an OAuth call: the call again with a renewed token, or the 401 as it was.
    private func renew(after held: (head: HTTPResponseHead, body: ByteBuffer)) {
        guard let prepared else { return }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let (forwarder, call) = (service.forwarder, call)
        Task {
            let result: Result<PreparedCall?, any Error>
            do { result = .success(try await forwarder.renewed(after401: prepared, call: call)) } catch { result = .failure(error) }
            bound.eventLoop.execute { bound.value.renewed(result, held: held) }
        }
    }

    private func renewed(_ result: Result<PreparedCall?, any Error>, held: (head: HTTPResponseHead, body: ByteBuffer)) {
        guard !finished else { return }
        switch result {
        case .success(let renewed?):
            prepared = renewed
            send(renewed, fresh: false)
        case .success(nil):
            relayHead(held.head)
            relayBody(held.body)
            relayBodyEnd()
            finish(outcome: ProxyRules.outcome(status: 401))
        case .failure(let error):
            fail(error)
        }
    }

    // MARK: ending

    /// Latchkey's own error for the agent, as JSON (only before any of the provider's response went out).
    private func fail(_ error: any Error) {
        let apiError = ProxyMiddleware.apiError(for: error, provider: provider, logger: service.logger)
        var headers = HTTPHeaders(apiError.responseFields)
        let body = apiError.jsonBody
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        addConnectionHeader(to: &headers)
        responder?.writeHead(HTTPResponseHead(version: request.head.version, status: HTTPResponseStatus(statusCode: apiError.status.code), headers: headers))
        responder?.writeBody(body)
        finish(outcome: apiError.code)
    }

    private func finish(outcome: String) {
        guard end(outcome: outcome) else { return }
        responder?.exchangeFinished(keepAlive: keepAlive)
    }

    /// The provider failed mid-response: the agent's connection is cut, so the truncation cannot pass for an answer.
    private func abort(outcome: String) {
        guard end(outcome: outcome) else { return }
        responder?.abort()
    }

    /// Marks the call over and counts it; false when it was over already.
    private func end(outcome: String) -> Bool {
        guard !finished else { return false }
        finished = true
        prepared?.admission?.finish()
        metrics.record(outcome: outcome, since: started)
        return true
    }

    /// The agent went away: the provider connection is dropped mid-call, never reused.
    func cancel() {
        guard !finished else { return }
        finished = true
        prepared?.admission?.finish()
        connection?.abandon()
        connection = nil
    }

    /// The agent's connection closes after this response (the server is shutting down): said in the response's
    /// `Connection` header when the head has not gone out yet.
    func closeAfterResponse() {
        keepAlive = false
    }

    /// Back-pressure: the agent's connection filled up, or drained.
    func agentWritabilityChanged(_ writable: Bool) {
        connection?.setPaused(!writable)
    }
}
