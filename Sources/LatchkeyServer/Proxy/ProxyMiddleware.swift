import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// `ANY /v1/proxy/{provider}/{path…}`: forwards an agent's call to the provider with the bound credential injected.
///
/// Handled ahead of the router, on the raw request target, so that no router normalisation stands between what the
/// agent sent and what the path guard checks. Bodies stream both ways; nothing of a header value, query or body is logged.
struct ProxyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let prefix = "/v1/proxy/"

    let forwarder: ProxyForwarder

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let rawPath = request.uri.path
        guard rawPath.hasPrefix(Self.prefix) else { return try await next(request, context) }
        let afterPrefix = rawPath.dropFirst(Self.prefix.count)
        let providerID = String(afterPrefix.prefix { $0 != "/" })
        do {
            let declaredLength = request.headers[.contentLength].flatMap { Int($0) }
            let body: ProxyForwarder.Body
            if (declaredLength ?? 0) > 0 || request.headers[.transferEncoding] != nil {
                body = .stream(request.body, length: declaredLength)
            } else {
                body = declaredLength == 0 ? .bytes(ByteBuffer()) : .none
            }
            let call = ProxyForwarder.Call(method: request.method, path: String(afterPrefix.dropFirst(providerID.count)), query: request.uri.query,
                                           headers: HTTPHeaders(request.headers), body: body)
            let response = try await forwarder.forward(bearer: BearerToken.from(request), providerID: providerID, call: call)
            return Self.relay(response, method: request.method)
        } catch {
            throw Self.apiError(for: error, provider: providerID, logger: context.logger)
        }
    }

    /// The agent's error for a failed call; failures on Latchkey's side are logged (by type, never by content).
    static func apiError(for error: any Error, provider: String, logger: Logger) -> APIError {
        let apiError = APIError.from(error)
        if apiError.isServerFault {
            logger.error("Proxy call failed", metadata: ["provider": "\(provider)", "error.type": "\(type(of: error))", "error": "\(ErrorMiddleware.safeDescription(error))"])
        }
        return apiError
    }

    /// The upstream response for the agent, body streamed, minus hop-by-hop headers and cookies.
    static func relay(_ response: HTTPClientResponse, method: HTTPRequest.Method) -> Response {
        let length = response.headers.first(name: "content-length").flatMap { Int($0) }
        let status = HTTPResponse.Status(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase)
        var headers = relayedHeaders(response)
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

    /// The provider's response headers an agent may see.
    static func relayedHeaders(_ response: HTTPClientResponse) -> HTTPFields {
        var headers = HTTPFields()
        for (name, value) in relayedHeaders(response.headers) {
            guard let fieldName = HTTPField.Name(name) else { continue }
            headers.append(HTTPField(name: fieldName, value: value))
        }
        return headers
    }

    /// No hop-by-hop headers, nothing the Connection header names, no cookies, no Content-Length (the relay sets
    /// its own). Both proxy paths relay through this rule.
    static func relayedHeaders(_ upstream: HTTPHeaders) -> HTTPHeaders {
        let connectionTokens = HeaderRules.connectionTokens(in: upstream, alreadyDropped: HeaderRules.droppedFromUpstream)
        var relayed = HTTPHeaders()
        relayed.reserveCapacity(upstream.count)
        for (name, value) in upstream {
            if HeaderRules.isListed(name, in: HeaderRules.droppedFromUpstream) || (!connectionTokens.isEmpty && HeaderRules.isListed(name, in: connectionTokens)) {
                continue
            }
            relayed.add(name: name, value: value)
        }
        return relayed
    }
}
