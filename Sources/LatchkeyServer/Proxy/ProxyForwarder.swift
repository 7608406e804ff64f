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
struct ProxyForwarder: Sendable {
    let runtime: LatchkeyRuntime
    let metrics: ProxyMetrics

    /// What the agent asked for, relative to the provider's base URL.
    struct Call: Sendable {
        var method: HTTPRequest.Method
        /// The raw path after `/v1/proxy/{provider}`: empty or starting with `/`, forwarded as is once checked.
        var path: String
        /// The raw query, without `?`.
        var query: String?
        /// The agent's headers (hop-by-hop ones, its own credentials and injected names are dropped).
        var headers: HTTPFields
        var body: Body
    }

    /// A call's body.
    enum Body: Sendable {
        case none
        case bytes(ByteBuffer)
        /// Streamed from the agent; `length` when it declared one.
        case stream(RequestBody, length: Int?)
    }

    /// Forwards `call` for the agent presenting `bearer`; returns the provider's response, body unread.
    func forward(bearer: String?, providerID: String, call: Call) async throws -> HTTPClientResponse {
        let started = ContinuousClock.now
        do {
            let response = try await forwardUnmetered(bearer: bearer, providerID: providerID, call: call)
            metrics.record(provider: providerID, outcome: "\(response.status.code)", since: started, catalog: runtime.catalog)
            return response
        } catch {
            metrics.record(provider: providerID, outcome: APIError.from(error).code, since: started, catalog: runtime.catalog)
            throw error
        }
    }

    private func forwardUnmetered(bearer: String?, providerID: String, call: Call) async throws -> HTTPClientResponse {
        guard Self.isProviderID(providerID) else {
            _ = try await runtime.agents.authenticate(bearer: bearer)
            throw LatchkeyError.unknownProvider(String(providerID.prefix(64)))
        }
        var resolved = try await runtime.agents.access(bearer: bearer, providerID: providerID)
        // Built (and so checked) before any refresh or upstream traffic: a path that would leave the base URL stops here.
        let outbound = try outboundRequest(resolved, call: call)
        let limit = runtime.configuration.proxyBodyLimit
        switch call.body {
        case .stream(_, let length?) where length > limit: throw LatchkeyError.payloadTooLarge(limit: limit)
        case .bytes(let bytes) where bytes.readableBytes > limit: throw LatchkeyError.payloadTooLarge(limit: limit)
        default: break
        }

        guard resolved.provider.authMode.isOAuth else {
            return try await send(call, outbound: outbound, provider: providerID, body: upstreamBody(call.body, limit: limit), limit: limit)
        }

        // OAuth: a fresh token first; the body is buffered so that a 401 can be retried once with a new token.
        let fresh = try await runtime.refresher.usable(resolved.credential, links: runtime.links)
        if fresh.version != resolved.credential.version { resolved = try await reopened(resolved, with: fresh) }
        let buffered = try await bufferedBody(call.body, limit: limit)
        let first = try await send(call, outbound: try outboundRequest(resolved, call: call), provider: providerID, body: buffered, limit: limit)
        guard first.status.code == 401 else { return first }
        let renewed = try await runtime.refresher.usable(resolved.credential, links: runtime.links, after401Version: resolved.credential.version)
        guard renewed.version != resolved.credential.version, runtime.refresher.policy.isUsable(renewed, now: runtime.clock.now) else {
            return first
        }
        resolved = try await reopened(resolved, with: renewed)
        return try await send(call, outbound: try outboundRequest(resolved, call: call), provider: providerID, body: buffered, limit: limit)
    }

    private func outboundRequest(_ resolved: ResolvedCredential, call: Call) throws -> OutboundRequest {
        try RequestInjector.build(provider: resolved.provider, values: resolved.values, rawPath: call.path, rawQuery: call.query)
    }

    private func reopened(_ resolved: ResolvedCredential, with credential: Credential) async throws -> ResolvedCredential {
        var copy = resolved
        copy.credential = credential
        copy.values = try await runtime.credentials.values(of: credential)
        return copy
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

    private func send(_ call: Call, outbound: OutboundRequest, provider: String, body: HTTPClientRequest.Body?, limit: Int) async throws -> HTTPClientResponse {
        var upstreamRequest = HTTPClientRequest(url: outbound.url)
        upstreamRequest.method = HTTPMethod(rawValue: call.method.rawValue)
        upstreamRequest.headers = Self.forwardedHeaders(call.headers, injected: outbound.injectedHeaders)
        upstreamRequest.body = body
        let started = ContinuousClock.now
        do {
            let response = try await runtime.upstream.execute(upstreamRequest)
            metrics.recordUpstream(provider: provider, since: started)
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

    /// The agent's headers minus hop-by-hop ones, its own credentials and anything the injection sets.
    static func forwardedHeaders(_ fields: HTTPFields, injected: [(name: String, value: String)]) -> HTTPHeaders {
        let connectionTokens = Set(fields[values: .connection].flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        let injectedNames = Set(injected.map { $0.name.lowercased() })
        var headers = HTTPHeaders()
        for field in fields {
            let name = field.name.canonicalName
            if HeaderRules.droppedFromAgent.contains(name) || connectionTokens.contains(name) || injectedNames.contains(name) { continue }
            headers.add(name: field.name.rawName, value: field.value)
        }
        for (name, value) in injected { headers.add(name: name, value: value) }
        return headers
    }

    /// Maps transport failures to SPEC's agent errors.
    static func classify(_ error: any Error, provider: String, limit: Int) -> any Error {
        if error is BodyTooLarge { return LatchkeyError.payloadTooLarge(limit: limit) }
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout, .deadlineExceeded: return LatchkeyError.upstreamTimeout
            default: return LatchkeyError.upstreamUnreachable(provider)
            }
        }
        return LatchkeyError.upstreamUnreachable(provider)
    }
}
