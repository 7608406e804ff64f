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
        guard request.uri.path.hasPrefix(Self.prefix) else { return try await next(request, context) }
        // Split as the event-loop path splits it: from the raw request target, nothing decoded.
        let target = ProxyRules.target(request.head.path ?? request.uri.description)
        do {
            let declaredLength = request.headers[.contentLength].flatMap { Int($0) }
            let body: ProxyForwarder.Body
            if (declaredLength ?? 0) > 0 || request.headers[.transferEncoding] != nil {
                body = .stream(request.body, length: declaredLength)
            } else {
                body = declaredLength == 0 ? .bytes(ByteBuffer()) : .none
            }
            let call = ProxyForwarder.Call(method: request.method, path: target.path, query: target.query, headers: HTTPHeaders(request.headers), body: body)
            let forwarded = try await forwarder.forward(bearer: BearerToken.from(request), providerID: target.provider, call: call)
            return Self.relay(forwarded.response, method: request.method, scrubber: forwarded.scrubber, admission: forwarded.admission)
        } catch {
            var apiError = Self.apiError(for: error, provider: target.provider, logger: context.logger)
            // NIO's parser reads nothing after a CONNECT head (what follows would be a tunnel): the connection can
            // carry no further request, so the refusal closes it.
            if request.method == .connect { apiError.extraHeaders[.connection] = "close" }
            throw apiError
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

    /// The upstream response for the agent as `ProxyRules` has it: headers filtered and scrubbed, the body (when the
    /// response has one) streamed through the scrubber, the provider's length kept (scrubbing keeps lengths).
    /// `admission` (the budget's concurrent-call slot) is finished when the body has been relayed.
    static func relay(_ response: HTTPClientResponse, method: HTTPRequest.Method, scrubber: SecretScrubber, admission: Admission? = nil) -> Response {
        let code = Int(response.status.code)
        let status = HTTPResponse.Status(code: code, reasonPhrase: response.status.reasonPhrase)
        let length = ProxyRules.relayedLength(method: method.rawValue, status: code, upstream: response.headers)
        var headers = HTTPFields()
        for (name, value) in ProxyRules.relayedHeaders(response.headers, scrubber: scrubber) {
            guard let fieldName = HTTPField.Name(name) else { continue }
            headers.append(HTTPField(name: fieldName, value: value))
        }
        guard ProxyRules.responseHasBody(method: method.rawValue, status: code) else {
            admission?.finish()
            if let length { headers[.contentLength] = String(length) }
            return Response(status: status, headers: headers, body: ResponseBody())
        }
        let body = response.body
        return Response(status: status, headers: headers, body: ResponseBody(contentLength: length) { writer in
            defer { admission?.finish() }
            var stream = ScrubbingStream(scrubber)
            for try await chunk in body {
                if let relayed = stream.scrub(chunk) { try await writer.write(relayed) }
            }
            if let tail = stream.finishBuffer() { try await writer.write(tail) }
            try await writer.finish(nil)
        })
    }
}
