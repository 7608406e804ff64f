import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// `ANY /v1/proxy/{provider}/{path…}`: forwards an agent's call to the provider with the bound credential injected.
///
/// Handled ahead of the router, on the raw request target, so that no router normalisation stands between what the
/// agent sent and what the path guard checks. Bodies stream both ways; nothing of a header value, query or body is logged.
struct ProxyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let prefix = "/v1/proxy/"

    let runtime: LatchkeyRuntime
    let metrics: ProxyMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let rawPath = request.uri.path
        guard rawPath.hasPrefix(Self.prefix) else { return try await next(request, context) }
        let afterPrefix = rawPath.dropFirst(Self.prefix.count)
        let providerID = String(afterPrefix.prefix { $0 != "/" })
        let started = ContinuousClock.now
        do {
            let response = try await forward(request, providerID: providerID, rest: String(afterPrefix.dropFirst(providerID.count)))
            metrics.record(provider: providerID, outcome: "\(response.status.code)", since: started, catalog: runtime.catalog)
            return response
        } catch {
            let apiError = APIError.from(error)
            metrics.record(provider: providerID, outcome: apiError.code, since: started, catalog: runtime.catalog)
            if apiError.status == .internalServerError {
                context.logger.error("Proxy call failed", metadata: ["provider": "\(providerID)", "error.type": "\(type(of: error))"])
            }
            throw apiError
        }
    }

    private func forward(_ request: Request, providerID: String, rest: String) async throws -> Response {
        guard Self.isProviderID(providerID) else {
            _ = try await runtime.agents.authenticate(bearer: BearerToken.from(request))
            throw LatchkeyError.unknownProvider(String(providerID.prefix(64)))
        }
        var resolved = try await runtime.agents.access(bearer: BearerToken.from(request), providerID: providerID)
        // Built (and so checked) before any refresh or upstream traffic: a path that would leave the base URL stops here.
        let outbound = try RequestInjector.build(provider: resolved.provider, values: resolved.values, rawPath: rest, rawQuery: request.uri.query)

        let limit = runtime.configuration.proxyBodyLimit
        let declaredLength = request.headers[.contentLength].flatMap { Int($0) }
        if let declaredLength, declaredLength > limit { throw LatchkeyError.payloadTooLarge(limit: limit) }
        let hasBody = (declaredLength ?? 0) > 0 || request.headers[.transferEncoding] != nil

        guard resolved.provider.authMode.isOAuth else {
            let body: HTTPClientRequest.Body? = hasBody
                ? .stream(LimitedBody(base: request.body, limit: limit), length: declaredLength.map { .known(Int64($0)) } ?? .unknown)
                : (declaredLength == 0 ? .bytes(ByteBuffer()) : nil)
            return Self.relay(try await sendUpstream(request, outbound: outbound, provider: providerID, body: body, limit: limit), method: request.method)
        }

        // OAuth: a fresh token first; the body is buffered so that a 401 can be retried once with a new token.
        let fresh = try await runtime.refresher.usable(resolved.credential, links: runtime.links)
        if fresh.version != resolved.credential.version { resolved = try await reopened(resolved, with: fresh) }
        var buffered: ByteBuffer?
        if hasBody {
            do { buffered = try await request.body.collect(upTo: limit) } catch { throw LatchkeyError.payloadTooLarge(limit: limit) }
        }
        let first = try await sendUpstream(request, outbound: try outboundRequest(resolved, rest: rest, request: request), provider: providerID,
                                           body: buffered.map { .bytes($0) }, limit: limit)
        guard first.status.code == 401 else { return Self.relay(first, method: request.method) }
        let renewed = try await runtime.refresher.usable(resolved.credential, links: runtime.links, after401Version: resolved.credential.version)
        guard renewed.version != resolved.credential.version, runtime.refresher.policy.isUsable(renewed, now: runtime.clock.now) else {
            return Self.relay(first, method: request.method)
        }
        resolved = try await reopened(resolved, with: renewed)
        let retried = try await sendUpstream(request, outbound: try outboundRequest(resolved, rest: rest, request: request), provider: providerID,
                                             body: buffered.map { .bytes($0) }, limit: limit)
        return Self.relay(retried, method: request.method)
    }

    private func outboundRequest(_ resolved: ResolvedCredential, rest: String, request: Request) throws -> OutboundRequest {
        try RequestInjector.build(provider: resolved.provider, values: resolved.values, rawPath: rest, rawQuery: request.uri.query)
    }

    private func reopened(_ resolved: ResolvedCredential, with credential: Credential) async throws -> ResolvedCredential {
        var copy = resolved
        copy.credential = credential
        copy.values = try await runtime.credentials.values(of: credential)
        return copy
    }

    private func sendUpstream(_ request: Request, outbound: OutboundRequest, provider: String, body: HTTPClientRequest.Body?, limit: Int) async throws -> HTTPClientResponse {
        var upstreamRequest = HTTPClientRequest(url: outbound.url)
        upstreamRequest.method = HTTPMethod(rawValue: request.method.rawValue)
        upstreamRequest.headers = forwardedHeaders(request.headers, injected: outbound.injectedHeaders)
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
    func forwardedHeaders(_ fields: HTTPFields, injected: [(name: String, value: String)]) -> HTTPHeaders {
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

    /// The upstream response for the agent, body streamed, minus hop-by-hop headers and cookies.
    static func relay(_ response: HTTPClientResponse, method: HTTPRequest.Method) -> Response {
        let connectionTokens = Set(response.headers["connection"].flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        var headers = HTTPFields()
        for (name, value) in response.headers {
            let lower = name.lowercased()
            if HeaderRules.droppedFromUpstream.contains(lower) || connectionTokens.contains(lower) { continue }
            guard let fieldName = HTTPField.Name(name) else { continue }
            headers.append(HTTPField(name: fieldName, value: value))
        }
        let length = response.headers.first(name: "content-length").flatMap { Int($0) }
        let status = HTTPResponse.Status(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase)
        if method == .head || response.status.code == 204 || response.status.code == 304 {
            if let length, method == .head { headers[.contentLength] = String(length) }
            return Response(status: status, headers: headers, body: ResponseBody())
        }
        let body = response.body
        return Response(status: status, headers: headers, body: ResponseBody(contentLength: length) { writer in
            for try await chunk in body { try await writer.write(chunk) }
            try await writer.finish(nil)
        })
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
        if let error = error as? ChannelError, case .connectTimeout = error { return LatchkeyError.upstreamUnreachable(provider) }
        return LatchkeyError.upstreamUnreachable(provider)
    }
}
