import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore
import NIOCore
import NIOHTTP1

/// The one path every agent call takes to a provider, whether it came in at `/v1/proxy` or as an MCP tool call:
/// authenticate the key, resolve the binding, build the target URL through the base-URL guard, inject the
/// credential, refresh OAuth tokens when due, retry once after a 401 with a renewed token, record metrics.
final class ProxyForwarder: Sendable {
    /// Agent keys and their bindings, resolved (and cached) per call.
    let agents: AgentService
    /// Policy, approvals and budget, in front of every call.
    let callGate: CallGate
    /// Renews due OAuth tokens, and after a provider's 401.
    let refresher: Refresher
    let connectValues: ConnectValueBackfill
    /// Opens a credential's sealed values.
    let credentials: CredentialService
    let upstream: UpstreamClient
    let catalog: Catalog
    let links: SetupLinks
    let clock: any WallClock
    /// The largest agent request body forwarded (`proxy_body_limit`).
    let bodyLimit: Int
    let metrics: ProxyMetrics

    init(agents: AgentService, callGate: CallGate, refresher: Refresher, connectValues: ConnectValueBackfill, credentials: CredentialService,
         upstream: UpstreamClient, catalog: Catalog, links: SetupLinks, clock: any WallClock, bodyLimit: Int, metrics: ProxyMetrics) {
        self.agents = agents
        self.callGate = callGate
        self.refresher = refresher
        self.connectValues = connectValues
        self.credentials = credentials
        self.upstream = upstream
        self.catalog = catalog
        self.links = links
        self.clock = clock
        self.bodyLimit = bodyLimit
        self.metrics = metrics
    }

    /// What the agent asked for, relative to the provider's base URL.
    struct Call: Sendable {
        var method: HTTPRequest.Method
        /// The raw path after `/v1/proxy/{provider}`: empty or starting with `/`, forwarded as is once checked.
        var path: String
        /// The raw query, without `?`.
        var query: String?
        /// The agent's headers (hop-by-hop ones, its own credentials and injected names are dropped on the way).
        var headers: HTTPHeaders
        var body: Body
        /// The bare MCP tool name when the call comes from a tool call (policies may list tools).
        var tool: String? = nil
        /// The call goes to the provider's remote MCP server (`mcp.url`) rather than under its `proxy.base_url`.
        var toMCPServer = false
        /// Whether the binding's policy and the group's budget judge the call. Only Latchkey's own protocol traffic
        /// to a remote MCP server (initialize, tools/list) passes ungated: it is no call of the agent's.
        var gated = true

        /// The body when it is in memory.
        var bodyBytes: ByteBuffer? {
            if case .bytes(let bytes) = body { bytes } else { nil }
        }
    }

    /// A call's body.
    enum Body: Sendable {
        case none
        case bytes(ByteBuffer)
        /// Streamed from the agent; `length` when it declared one.
        case stream(RequestBody, length: Int?)
    }

    /// Forwards `call` for the agent presenting `bearer`; returns the provider's response, body unread, the
    /// scrubber its headers and body must pass through before the agent sees them, and the budget's admission, to
    /// be finished when the response has been relayed.
    func forward(bearer: String?, providerID: String, call: Call) async throws -> Forwarded {
        let started = ContinuousClock.now
        do {
            let answer = try await forwardUnmetered(bearer: bearer, providerID: providerID, call: call)
            metrics.record(provider: providerID, outcome: ProxyRules.outcome(status: Int(answer.response.status.code)), since: started, catalog: catalog)
            return answer
        } catch {
            metrics.record(provider: providerID, outcome: APIError.from(error).code, since: started, catalog: catalog)
            throw error
        }
    }

    /// A provider's answer on its way to the agent.
    struct Forwarded: Sendable {
        let response: HTTPClientResponse
        let scrubber: SecretScrubber
        /// Holds the group's concurrent-call slot while the response is relayed.
        let admission: Admission?
    }

    private func forwardUnmetered(bearer: String?, providerID: String, call: Call) async throws -> Forwarded {
        let prepared = try await prepare(bearer: bearer, providerID: providerID, call: call)
        let limit = bodyLimit
        guard prepared.renewable else {
            return Forwarded(response: try await send(call, prepared, provider: providerID, body: upstreamBody(call.body, limit: limit), limit: limit),
                             scrubber: prepared.scrubber, admission: prepared.admission)
        }
        // OAuth: the body is buffered so that a 401 can be retried once with a new token.
        let buffered = try await bufferedBody(call.body, limit: limit)
        let first = try await send(call, prepared, provider: providerID, body: buffered, limit: limit)
        guard ProxyRules.renewsAfter(status: Int(first.status.code), renewable: prepared.renewable),
              let renewed = try await renewed(after401: prepared, call: call) else { return Forwarded(response: first, scrubber: prepared.scrubber, admission: prepared.admission) }
        return Forwarded(response: try await send(call, renewed, provider: providerID, body: buffered, limit: limit), scrubber: renewed.scrubber, admission: prepared.admission)
    }

    /// Everything before the first byte goes upstream: the key authenticated, the binding resolved, the target URL
    /// built through the base-URL guard, a declared body over the limit refused, an OAuth token refreshed when due.
    /// Shared by `forward` and the event-loop fast path (`ProxyChannelHandler`).
    func prepare(bearer: String?, providerID: String, call: Call) async throws -> PreparedCall {
        try ProxyRules.checkMethod(call.method.rawValue)
        guard Self.isProviderID(providerID) else {
            _ = try await agents.authenticate(bearer: bearer)
            throw LatchkeyError.unknownProvider(String(providerID.prefix(64)))
        }
        // `access` answers from the access cache when it can.
        var resolved = try await agents.access(bearer: bearer, providerID: providerID)
        if call.toMCPServer {
            guard let endpoint = resolved.provider.mcpEndpoint else { throw LatchkeyError.badRequest("\(providerID) is not a remote MCP server") }
            resolved = resolved.with(provider: endpoint)
        }
        // A credential connected before its provider declared a connect value cannot be built yet: its call is
        // judged by the policy first, then completed (below) before anything else is checked.
        let lacking = !ConnectValueBackfill.missing(resolved.provider, values: resolved.values).isEmpty
        let checked: PreparedCall?, admission: Admission?
        if lacking {
            checked = nil
            admission = call.gated ? try await callGate.admit(resolved, Self.gateCall(call)) : nil
        } else {
            // Checked (path guard, body limit) before the policy, and both before any refresh or upstream traffic.
            let built = try prepared(resolved, call: call, admission: nil).admitted(call.gated ? try await callGate.admit(resolved, Self.gateCall(call)) : nil)
            guard built.renewable else { return built }
            checked = built
            admission = built.admission
        }
        // OAuth: a fresh token first.
        var current = resolved
        let fresh = try await refresher.usable(resolved.credential, links: links)
        if fresh.version != current.credential.version { current = try await reopened(current, with: fresh) }
        if lacking {
            // Learnt with the fresh token, once per credential, and stored with it.
            let completed = try await connectValues.completed(current.credential, provider: current.provider, values: current.values)
            if completed.version != current.credential.version { current = try await reopened(current, with: completed) }
        }
        if let checked, current.credential.version == resolved.credential.version { return checked }
        return try prepared(current, call: call, admission: admission)
    }

    /// `prepare` when the agent's binding is in the access cache and the call needs no approval check or quota
    /// lease: no suspension, no database read.
    func preparedFromCache(bearer: String?, providerID: String, call: Call) throws -> PreparedCall? {
        try ProxyRules.checkMethod(call.method.rawValue)
        guard var resolved = agents.cachedAccess(bearer: bearer, providerID: providerID) else { return nil }
        if call.toMCPServer {
            guard let endpoint = resolved.provider.mcpEndpoint else { throw LatchkeyError.badRequest("\(providerID) is not a remote MCP server") }
            resolved = resolved.with(provider: endpoint)
        }
        // A credential lacking a connect value takes `prepare`, which learns it.
        guard ConnectValueBackfill.missing(resolved.provider, values: resolved.values).isEmpty else { return nil }
        let checked = try prepared(resolved, call: call, admission: nil)
        guard let admission = try callGate.admitNow(resolved, Self.gateCall(call)) else { return nil }
        return checked.admitted(admission)
    }

    /// The call as the policy and budget see it; `Prefer: wait=N` (RFC 7240) asks to wait for an approval.
    static func gateCall(_ call: Call) -> CallGate.Call {
        CallGate.Call(method: call.method.rawValue, path: call.path, tool: call.tool, waitSeconds: waitSeconds(call.headers),
                      overrides: methodOverrides(call))
    }

    /// Headers and query parameters with which many APIs (Google's, Rails, Laravel, Symfony, …) let a request ask
    /// for another method than its own: a policy that refuses DELETE must refuse `POST` + `X-HTTP-Method-Override:
    /// DELETE` too. Upper-cased; empty for nearly every call.
    static func methodOverrides(_ call: Call) -> [String] {
        var methods: [String] = []
        for name in ["x-http-method-override", "x-http-method", "x-method-override"] {
            for value in call.headers[name] { methods.append(value.trimmingCharacters(in: .whitespaces).uppercased()) }
        }
        if let query = call.query, query.localizedCaseInsensitiveContains("method") {
            for pair in query.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let name = parts[0].removingPercentEncoding?.lowercased(),
                      name == "_method" || name == "x-http-method-override" else { continue }
                methods.append((parts[1].removingPercentEncoding ?? String(parts[1])).uppercased())
            }
        }
        return methods
    }

    /// The seconds of `Prefer: wait=N`, at most `ApprovalService.maxWaitSeconds`; 0 without one (or a malformed one).
    static func waitSeconds(_ headers: HTTPHeaders) -> Int {
        for value in headers["prefer"] {
            for preference in value.split(separator: ",") {
                let parts = preference.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, parts[0].lowercased() == "wait", let seconds = Int(parts[1].prefix(12)), seconds > 0 {
                    return min(seconds, ApprovalService.maxWaitSeconds)
                }
            }
        }
        return 0
    }

    /// After the provider answered 401 to `prepared`: the call again with a renewed token, or nil when there is none
    /// (not OAuth, or no newer usable token), in which case the 401 goes to the agent.
    func renewed(after401 prepared: PreparedCall, call: Call) async throws -> PreparedCall? {
        guard prepared.renewable else { return nil }
        let current = prepared.resolved.credential
        let renewed = try await refresher.usable(current, links: links, after401Version: current.version)
        guard renewed.version != current.version, refresher.policy.isUsable(renewed, now: clock.now) else { return nil }
        return try self.prepared(try await reopened(prepared.resolved, with: renewed), call: call, admission: prepared.admission, renewable: false,
                                 alsoScrubbing: prepared.outbound.injectedValues)
    }

    /// The call for `resolved`: target URL through the base-URL guard, declared body within the limit, headers.
    /// Renewable after a 401 when the credential is OAuth (unless told otherwise: a renewed call is not renewed again).
    private func prepared(_ resolved: ResolvedCredential, call: Call, admission: Admission?, renewable: Bool? = nil, alsoScrubbing: [String] = []) throws -> PreparedCall {
        let outbound = try RequestInjector.build(provider: resolved.provider, injection: resolved.injection, rawPath: call.path, rawQuery: call.query)
        let limit = bodyLimit
        switch call.body {
        case .stream(_, let length?) where length > limit: throw LatchkeyError.payloadTooLarge(limit: limit)
        case .bytes(let bytes) where bytes.readableBytes > limit: throw LatchkeyError.payloadTooLarge(limit: limit)
        default: break
        }
        return PreparedCall(resolved: resolved, outbound: outbound, call: call, renewable: renewable ?? resolved.provider.authMode.isOAuth,
                            admission: admission, alsoScrubbing: alsoScrubbing)
    }

    private func reopened(_ resolved: ResolvedCredential, with credential: Credential) async throws -> ResolvedCredential {
        resolved.with(credential: credential, values: try await credentials.values(of: credential))
    }

    private func upstreamBody(_ body: Body, limit: Int) -> HTTPClientRequest.Body? {
        switch body {
        case .none: nil
        case .bytes(let bytes): .bytes(bytes)
        case .stream(let stream, let length): .stream(LimitedBody(base: stream, limit: limit), length: length.map { .known(Int64($0)) } ?? .unknown)
        }
    }

    private func bufferedBody(_ body: Body, limit: Int) async throws -> HTTPClientRequest.Body? {
        switch body {
        case .none: return nil
        case .bytes(let bytes): return .bytes(bytes)
        case .stream(let stream, _):
            do { return .bytes(try await stream.collect(upTo: limit)) } catch { throw LatchkeyError.payloadTooLarge(limit: limit) }
        }
    }

    private func send(_ call: Call, _ prepared: PreparedCall, provider: String, body: HTTPClientRequest.Body?, limit: Int) async throws -> HTTPClientResponse {
        var upstreamRequest = HTTPClientRequest(url: prepared.outbound.url)
        upstreamRequest.method = HTTPMethod(rawValue: call.method.rawValue)
        upstreamRequest.headers = prepared.headers
        // AsyncHTTPClient returns a connection to its pool whenever its parser saw a response end, also after a
        // 204 or 304 that declared a body, or a HEAD answered with one: bytes the provider sends after that would
        // be read as the next call's response, possibly another agent's. It cannot be told to drop one connection
        // after the fact, so this path never reuses a provider connection (see `ProxyRules.mayReuseConnection`
        // for the event-loop path, which reuses only unambiguously framed ones).
        //
        // A remote MCP server's POSTs are the exception: a JSON-RPC POST is answered with a JSON body or an event
        // stream (or 202), framed unambiguously, and a new connection (a TLS handshake) per tool call would cost
        // more than the call itself. Whatever one server sends on its connection can only reach that server's
        // own later calls, which it answers anyway.
        if !(call.toMCPServer && call.method == .post) { upstreamRequest.headers.replaceOrAdd(name: "Connection", value: "close") }
        upstreamRequest.body = body
        let started = ContinuousClock.now
        do {
            let response = try await upstream.execute(upstreamRequest, publicAddressOnly: prepared.outbound.requiresPublicAddress)
            metrics.recordUpstream(provider: provider, since: started, catalog: catalog)
            guard ProxyRules.isFinalAnswer(status: Int(response.status.code)) else { throw LatchkeyError.upstreamUnreachable(provider) }
            return response
        } catch {
            throw Self.classify(error, provider: provider, limit: limit)
        }
    }

    /// `[a-z0-9][a-z0-9-]*`, checked without building a regex per request.
    static func isProviderID(_ id: String) -> Bool {
        guard let first = id.utf8.first, first != UInt8(ascii: "-") else { return false }
        return id.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
    }

    /// The agent's headers minus hop-by-hop ones, its own credentials and anything the injection sets, then the
    /// defaults the agent did not send itself (any case), then the injected ones.
    static func forwardedHeaders(_ agent: HTTPHeaders, injected: [(name: String, value: String)], defaults: [(name: String, value: String)] = []) -> HTTPHeaders {
        let connectionTokens = HeaderRules.connectionTokens(in: agent, alreadyDropped: HeaderRules.droppedFromAgent)
        var headers = HTTPHeaders()
        headers.reserveCapacity(agent.count + defaults.count + injected.count)
        for (name, value) in agent {
            if HeaderRules.isDroppedFromAgent(name) || (!connectionTokens.isEmpty && HeaderRules.isListed(name, in: connectionTokens))
                || injected.contains(where: { HeaderRules.sameName(name, $0.name) }) { continue }
            headers.add(name: name, value: value)
        }
        for (name, value) in defaults where !headers.contains(name: name) && !injected.contains(where: { HeaderRules.sameName(name, $0.name) }) {
            headers.add(name: name, value: value)
        }
        for (name, value) in injected { headers.add(name: name, value: value) }
        return headers
    }

    /// Maps transport failures to SPEC's agent errors.
    static func classify(_ error: any Error, provider: String, limit: Int) -> any Error {
        if error is BodyTooLarge { return LatchkeyError.payloadTooLarge(limit: limit) }
        if let refusal = error as? UpstreamAddressGuard.Refusal {
            return refusal == .notPublic ? LatchkeyError.upstreamForbidden(provider) : LatchkeyError.upstreamUnreachable(provider)
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout, .deadlineExceeded: return LatchkeyError.upstreamTimeout
            default: return LatchkeyError.upstreamUnreachable(provider)
            }
        }
        return LatchkeyError.upstreamUnreachable(provider)
    }
}
