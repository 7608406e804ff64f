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
    /// `POST /mcp` tool calls of remote MCP servers' tools, when given.
    let mcp: MCPEventLoopRelay?

    init(forwarder: ProxyForwarder, pools: UpstreamPools, configuration: ServerConfiguration, logger: Logger, mcp: MCPController? = nil) {
        self.forwarder = forwarder
        self.logger = logger
        self.mcp = mcp.map { MCPEventLoopRelay(controller: $0, forwarder: forwarder, logger: logger) }
        self.pools = pools
        self.inlineBodyLimit = min(configuration.proxyBodyLimit, 1024 * 1024)
        self.headerLimit = configuration.headerLimit
    }

    /// The call `head` starts, when this path takes it. One pass over the headers: their size, the body's framing,
    /// the agent's key.
    func accepts(_ head: HTTPRequestHead) -> ProxyRequest? {
        let isMCP = head.method == .POST && head.uri == "/mcp" && mcp != nil
        guard isMCP || head.uri.hasPrefix(ProxyMiddleware.prefix), head.method != .HEAD, let method = HTTPRequest.Method(head.method.rawValue) else { return nil }
        var total = 0
        var declared: Int?
        var authorization: String?
        for (name, value) in head.headers {
            total += HeaderLimitMiddleware.size(name: name, value: value)
            switch name.utf8.count {
            case 6 where HeaderRules.sameName(name, "expect"), 17 where HeaderRules.sameName(name, "transfer-encoding"):
                return nil
            case 14 where HeaderRules.sameName(name, "content-length"):
                guard declared == nil, let length = Int(value), (0...inlineBodyLimit).contains(length) else { return nil }
                declared = length
            case 13 where HeaderRules.sameName(name, "authorization"):
                authorization = authorization.map { $0 + ", " + value } ?? value
            default:
                break
            }
        }
        guard total <= headerLimit else { return nil }  // Hummingbird answers the JSON 431
        let request = ProxyRequest(head: head, method: method, bearer: BearerToken.from(authorization: authorization), declaredLength: declared, isMCP: isMCP)
        if isMCP {
            // Which tool (so which provider) only the body tells: it is gathered for a key that resolved lately here,
            // and decided on when complete (`MCPEventLoopRelay`); a request taken here may still go to the framework.
            guard let declared, declared > 0, forwarder.agents.isRecentlyResolved(bearer: request.bearer) else { return nil }
            return request
        }
        // This path gathers a body in memory before the call is decided, so it takes a body only with a key this
        // process has just resolved (the access cache). A missing, unknown or not yet cached key goes to the framework
        // path, which decides on the head alone: 401 before a byte of the body is read (and the connection is then
        // closed rather than drained, see `ConnectionTimeouts.responseEnd`).
        if let declared, declared > 0, forwarder.agents.cachedAccess(bearer: request.bearer, providerID: request.target.provider) == nil {
            return nil
        }
        return request
    }
}
