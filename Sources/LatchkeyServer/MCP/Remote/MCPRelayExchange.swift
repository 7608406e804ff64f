import Foundation
import LatchkeyCore
import Logging
import NIOCore
import NIOHTTP1

/// A `/mcp` tool call of a remote MCP server's tool relayed on the event loop (`MCPEventLoopRelay` decided it): the
/// JSON-RPC request sent in Latchkey's open session on a pooled connection, the server's answer (JSON or an event
/// stream, scrubbed) searched for the reply to it, and the tool result written back under the agent's request id,
/// as `MCPController.relayedRemoteCall` answers. Once the reply is in, the agent has it; the rest of the stream is
/// read apart, so the connection goes back to the pool. A 401, or a 404 for a session the server forgot, is the
/// framework path's to handle (renewal, a new session): the agent's request is handed to it as it came, before any
/// answer. Lives on its connection's loop.
final class MCPRelayExchange: UpstreamResponseDelegate, AgentExchange {
    private let relay: MCPEventLoopRelay
    private let request: ProxyRequest
    private let call: RemoteToolCall
    private let decision: Result<MCPEventLoopRelay.Prepared, any Error>
    private let pool: UpstreamPool
    private weak var responder: ProxyChannelHandler?
    private let started = ContinuousClock.now
    private var keepAlive: Bool

    private var connection: UpstreamConnection?
    /// The exchange keeps itself while its connection reads for it (connections hold their delegate weakly), also
    /// after the agent has its answer.
    private var reading: MCPRelayExchange?
    /// Whether the agent got its answer, or its request went to the framework path.
    private var answered = false
    private var status = 0
    private var isStream = false
    private var scrubbing = ScrubbingStream(.empty)
    private var events = ServerSentEvents(limit: RemoteMCPClient.messageLimit)
    private var collected = ByteBuffer()
    /// Bytes of the response read after the answer (the rest of a stream), up to the message limit.
    private var drained = 0

    init(relay: MCPEventLoopRelay, request: ProxyRequest, call: RemoteToolCall, decision: Result<MCPEventLoopRelay.Prepared, any Error>,
         responder: ProxyChannelHandler, pool: UpstreamPool) {
        self.relay = relay
        self.request = request
        self.call = call
        self.decision = decision
        self.responder = responder
        self.pool = pool
        self.keepAlive = request.head.isKeepAlive
    }

    private var provider: String { call.provider.id }

    func start() {
        let prepared: MCPEventLoopRelay.Prepared
        switch decision {
        case .success(let decided): prepared = decided
        case .failure(let error):
            answer(failure: error)
            return
        }
        guard let origin = pool.origin(prepared.call.outbound.origin) else { answer(failure: LatchkeyError.upstreamUnreachable(provider)); return }
        reading = self
        pool.acquire(origin, fresh: false, publicAddressOnly: prepared.call.outbound.requiresPublicAddress) { [self] result in
            switch result {
            case .success(let (connection, _)):
                guard !answered else {
                    pool.release(connection)
                    reading = nil
                    return
                }
                self.connection = connection
                var headers = HTTPHeaders()
                headers.reserveCapacity(prepared.call.headers.count + 2)
                headers.add(name: "Host", value: origin.authority)
                headers.add(contentsOf: prepared.call.headers)
                headers.add(name: "Content-Length", value: String(prepared.body.readableBytes))
                let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: String(prepared.call.outbound.target), headers: headers)
                connection.send(head, body: prepared.body, to: self, flusher: pool.flusher)
                pool.watch(connection)
            case .failure(let error):
                reading = nil
                answer(failure: ProxyForwarder.classify(error, provider: provider, limit: relay.forwarder.bodyLimit))
            }
        }
    }

    // MARK: the server's response

    func upstreamHead(_ head: HTTPResponseHead) {
        guard !answered, case .success(let prepared) = decision else { return }
        status = Int(head.status.code)
        guard ProxyRules.isFinalAnswer(status: status) else {
            drop()
            answer(failure: LatchkeyError.upstreamUnreachable(provider))
            return
        }
        relay.forwarder.metrics.recordUpstream(provider: provider, since: started, catalog: relay.forwarder.catalog)
        if let refusal = relay.client.refusal(status: status, headers: head.headers, provider: call.provider, binding: prepared.binding, session: prepared.session) {
            drop()
            if refusal is RemoteMCPClient.SessionGone { relay.client.forgetSession(prepared.binding) }
            if refusal is RemoteMCPClient.SessionGone || status == 401 {
                handOver()
            } else {
                answer(failure: refusal)
            }
            return
        }
        isStream = head.headers.first(name: "content-type")?.lowercased().contains("text/event-stream") == true
        scrubbing = ScrubbingStream(prepared.call.scrubber)
    }

    func upstreamBody(_ body: ByteBuffer) {
        if answered {
            drained += body.readableBytes
            if drained > RemoteMCPClient.messageLimit { drop() }
            return
        }
        guard var clean = scrubbing.scrub(body) else { return }
        do {
            if isStream {
                try take(events.feed(clean))
            } else {
                guard collected.readableBytes + clean.readableBytes <= RemoteMCPClient.messageLimit else { throw LatchkeyError.payloadTooLarge(limit: RemoteMCPClient.messageLimit) }
                collected.writeBuffer(&clean)
            }
        } catch {
            drop()
            answer(failure: error is ServerSentEvents.TooLarge ? LatchkeyError.payloadTooLarge(limit: RemoteMCPClient.messageLimit) : error)
        }
    }

    func upstreamReadComplete() {}

    func upstreamEnd() {
        if let connection {
            self.connection = nil
            pool.release(connection)
        }
        reading = nil
        guard !answered else { return }
        do {
            let tail = scrubbing.finishBuffer()
            if isStream {
                try take(events.feed(tail ?? ByteBuffer()) + events.feed(ByteBuffer(string: "\n\n")))
            } else {
                if var tail { collected.writeBuffer(&tail) }
                try take([Array(collected.readableBytesView)])
            }
        } catch {
            answer(failure: LatchkeyError.payloadTooLarge(limit: RemoteMCPClient.messageLimit))
            return
        }
        if !answered { answer(failure: LatchkeyError.remoteServerRefused(provider: provider, reason: "tools/call got no answer")) }
    }

    func upstreamFailed(_ error: (any Error)?) {
        connection = nil
        reading = nil
        guard !answered else { return }
        answer(failure: error.map { ProxyForwarder.classify($0, provider: provider, limit: relay.forwarder.bodyLimit) }
               ?? LatchkeyError.upstreamUnreachable(provider))
    }

    func upstreamTimedOut() {
        connection = nil
        reading = nil
        guard !answered else { return }
        answer(failure: LatchkeyError.upstreamTimeout)
    }

    /// Looks for the reply among the server's messages; the agent gets it as soon as it is found.
    private func take(_ messages: [[UInt8]]) throws {
        guard case .success(let prepared) = decision else { return }
        for message in messages where !answered {
            if let reply = relay.client.reply(in: message, answering: prepared.idText, binding: prepared.binding) {
                answer(result: RemoteToolset.toolResult(reply), outcome: ProxyRules.outcome(status: status))
            }
        }
    }

    /// The connection to the server is closed, never reused.
    private func drop() {
        connection?.abandon()
        connection = nil
        reading = nil
    }

    // MARK: the agent's answer

    private func answer(failure error: any Error) {
        answer(result: RemoteToolset.toolResult(failure: error, provider: call.provider, logger: relay.logger), outcome: APIError.from(error).code)
    }

    /// The JSON-RPC response with the tool result, as the framework path writes it.
    private func answer(result: Data, outcome: String) {
        guard !answered else { return }
        answered = true
        finishCall(outcome: outcome)
        let body = MCPController.reply(id: call.id, result: result)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        let isHTTP11 = request.head.version.major > 1 || (request.head.version.major == 1 && request.head.version.minor >= 1)
        if !keepAlive, isHTTP11 { headers.add(name: "Connection", value: "close") }
        if keepAlive, !isHTTP11 { headers.add(name: "Connection", value: "keep-alive") }
        responder?.writeHead(HTTPResponseHead(version: request.head.version, status: .ok, headers: headers))
        responder?.writeBody(body)
        responder?.exchangeFinished(keepAlive: keepAlive)
    }

    /// The agent's request goes to the framework path as it came; nothing has been answered.
    private func handOver() {
        guard !answered else { return }
        answered = true
        finishCall(outcome: ProxyRules.outcome(status: status))
        responder?.exchangeHandedOver(request)
    }

    private func finishCall(outcome: String) {
        if case .success(let prepared) = decision { prepared.call.admission?.finish() }
        relay.forwarder.metrics.record(provider: provider, outcome: outcome, since: started, catalog: relay.forwarder.catalog)
    }

    // MARK: AgentExchange

    func cancel() {
        guard !answered else { return }
        answered = true
        if case .success(let prepared) = decision { prepared.call.admission?.finish() }
        drop()
    }

    func closeAfterResponse() { keepAlive = false }

    /// The answer is one small buffer, written at once.
    func agentWritabilityChanged(_ writable: Bool) {}
}
