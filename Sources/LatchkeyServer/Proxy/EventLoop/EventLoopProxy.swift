import HTTPTypes
import LatchkeyCore
import Logging
import NIOCore
import NIOHTTP1

/// `/v1/proxy` served on the event loops, ahead of Hummingbird, for the common call: a request whose body (if any)
/// is small and declared by Content-Length. The call is decided by the same `ProxyForwarder.prepare` (and
/// `renewed(after401:)`) the framework path uses; only the transport differs: NIO handlers on both sides and
/// per-loop keep-alive connections to providers instead of a router, a middleware chain and AsyncHTTPClient.
/// Everything else (streamed or chunked bodies, HEAD, `Expect`, oversized headers, pipelined requests behind a
/// framework response) goes to Hummingbird unchanged.
final class EventLoopProxy: Sendable {
    let forwarder: ProxyForwarder
    let pools: UpstreamPools
    let logger: Logger
    /// Largest body taken in memory on this path; larger declared bodies stream through the framework path.
    let inlineBodyLimit: Int
    let headerLimit: Int

    init(forwarder: ProxyForwarder, logger: Logger) {
        let configuration = forwarder.runtime.configuration
        self.forwarder = forwarder
        self.logger = logger
        self.pools = UpstreamPools(settings: .init(connectTimeout: .seconds(Int64(configuration.upstreamConnectTimeout)),
                                                   readTimeout: .seconds(Int64(configuration.upstreamTimeout))))
        self.inlineBodyLimit = min(configuration.proxyBodyLimit, 1024 * 1024)
        self.headerLimit = configuration.headerLimit
    }

    /// The call `head` starts, when this path takes it.
    func accepts(_ head: HTTPRequestHead) -> ProxyRequest? {
        guard head.uri.hasPrefix(ProxyMiddleware.prefix), head.method != .HEAD, let method = HTTPRequest.Method(head.method.rawValue),
              !head.headers.contains(name: "transfer-encoding"), !head.headers.contains(name: "expect")
        else { return nil }
        let lengths = head.headers["content-length"]
        var declared: Int?
        if let first = lengths.first {
            guard lengths.count == 1, let length = Int(first), (0...inlineBodyLimit).contains(length) else { return nil }
            declared = length
        }
        var total = 0
        var fields = HTTPFields()
        for (name, value) in head.headers {
            total += HeaderLimitMiddleware.size(name: name, value: value)
            guard let fieldName = HTTPField.Name(name) else { return nil }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        guard total <= headerLimit else { return nil }  // Hummingbird answers the JSON 431
        return ProxyRequest(head: head, method: method, fields: fields, declaredLength: declared)
    }
}
