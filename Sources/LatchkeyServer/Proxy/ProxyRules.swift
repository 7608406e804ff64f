import LatchkeyCore
import NIOHTTP1

/// Every decision about a proxied call that does not depend on how it travels: both proxy paths (the event-loop
/// handlers and Hummingbird with AsyncHTTPClient) and MCP tool calls ask here, so they cannot disagree.
enum ProxyRules {
    /// Never forwarded (SPEC §6): `CONNECT` would turn the provider connection into a tunnel, `TRACE`/`TRACK` echo
    /// the request, injected credential included, back to the agent.
    static let refusedMethods = ["CONNECT", "TRACE", "TRACK"]

    /// Throws `method_not_allowed` for a method the proxy never forwards (compared ignoring ASCII case, as some
    /// servers compare methods).
    static func checkMethod(_ method: String) throws(LatchkeyError) {
        if HeaderRules.isListed(method, in: refusedMethods) { throw .methodNotAllowed(method.uppercased()) }
    }

    /// The provider id, the raw path after it and the raw query (without `?` and any fragment) of a request target
    /// under `/v1/proxy/`, split byte for byte, without decoding anything: the path guard sees what the agent sent.
    static func target(_ requestTarget: String) -> (provider: String, path: String, query: String?) {
        let afterPrefix = requestTarget.utf8.dropFirst(ProxyMiddleware.prefix.utf8.count)
        let pathEnd = afterPrefix.firstIndex(of: UInt8(ascii: "?")) ?? afterPrefix.endIndex
        let rawPath = afterPrefix[..<pathEnd]
        let providerEnd = rawPath.firstIndex(of: UInt8(ascii: "/")) ?? rawPath.endIndex
        var query: String?
        if pathEnd != afterPrefix.endIndex {
            let afterMark = afterPrefix[afterPrefix.index(after: pathEnd)...]
            query = String(Substring(afterMark[..<(afterMark.firstIndex(of: UInt8(ascii: "#")) ?? afterMark.endIndex)]))
        }
        return (String(Substring(rawPath[..<providerEnd])), String(Substring(rawPath[providerEnd...])), query)
    }

    /// Whether a response to `method` with `status` carries a body (RFC 9110 §6.4.1): not to HEAD, not 1xx, 204, 304.
    static func responseHasBody(method: String, status: Int) -> Bool {
        !(method == "HEAD" || status < 200 || status == 204 || status == 304)
    }

    /// Whether a provider's response head may go to the agent. Informational responses are dropped by the HTTP
    /// parser; one that still arrives as the answer (a 101 nobody asked for: `Upgrade` is never forwarded) would
    /// switch the agent's connection to whatever the provider speaks next, so the call fails as unreachable.
    static func isFinalAnswer(status: Int) -> Bool { status >= 200 }

    /// Whether a 401 is held back to try the call once more with a renewed token (OAuth calls not yet renewed).
    static func renewsAfter(status: Int, renewable: Bool) -> Bool { status == 401 && renewable }

    /// Whether a call that failed on a pooled connection before any answer may go once more on a new one: only
    /// idempotent methods whose repetition cannot do harm.
    static func retriesOnFreshConnection(method: String) -> Bool {
        ["GET", "PUT", "DELETE", "OPTIONS"].contains(method)
    }

    /// The metrics outcome of a relayed response.
    static func outcome(status: Int) -> String { String(status) }

    /// The provider's response headers an agent may see: no hop-by-hop headers, nothing the Connection header names,
    /// no cookies, no Content-Length (the relay sets its own), and every injected value overwritten wherever the
    /// provider echoes it (`Location`, `Link`, `WWW-Authenticate`, any header).
    static func relayedHeaders(_ upstream: HTTPHeaders, scrubber: SecretScrubber) -> HTTPHeaders {
        let connectionTokens = HeaderRules.connectionTokens(in: upstream, alreadyDropped: HeaderRules.droppedFromUpstream)
        var relayed = HTTPHeaders()
        relayed.reserveCapacity(upstream.count)
        for (name, value) in upstream {
            if HeaderRules.isDroppedFromUpstream(name) || (!connectionTokens.isEmpty && HeaderRules.isListed(name, in: connectionTokens)) {
                continue
            }
            relayed.add(name: name, value: scrubber.scrubbed(value))
        }
        return relayed
    }

    /// The Content-Length to give the agent: the provider's, when the response has a body framed by exactly one
    /// valid length and no transfer coding, or is a HEAD response (whose length describes the GET's body). Scrubbing
    /// keeps lengths (see `SecretScrubber`), so the provider's length stays true.
    static func relayedLength(method: String, status: Int, upstream: HTTPHeaders) -> Int? {
        let lengths = upstream["content-length"]
        guard lengths.count == 1, isDigits(lengths[0]), let length = Int(lengths[0]), !upstream.contains(name: "transfer-encoding") else { return nil }
        if method == "HEAD" { return status == 204 || status == 304 || status < 200 ? nil : length }
        return responseHasBody(method: method, status: status) ? length : nil
    }

    /// Whether a provider connection may carry another call after this response ended. Only when its framing left
    /// no doubt where it ended: a final status other than 101, not after HEAD or CONNECT (a body the provider sends
    /// anyway would be read as the next call's response), a body framed by one valid Content-Length or by chunked
    /// coding alone, a bodiless status (204, 304) that declares no body, and the provider keeping the connection.
    /// Anything else is closed: a doubt costs a new connection, a wrong guess would hand one agent's leftovers to
    /// another agent's call.
    static func mayReuseConnection(method: String, response: HTTPResponseHead) -> Bool {
        let status = Int(response.status.code)
        guard response.isKeepAlive, method != "HEAD", method != "CONNECT", status >= 200 else { return false }
        let lengths = response.headers["content-length"]
        let codings = response.headers["transfer-encoding"]
        if !responseHasBody(method: method, status: status) {
            return codings.isEmpty && lengths.allSatisfy { HeaderRules.trimmingWhitespace(Substring($0).utf8).elementsEqual("0".utf8) }
        }
        if !codings.isEmpty {
            return lengths.isEmpty && codings.count == 1 && HeaderRules.sameName(String(Substring(HeaderRules.trimmingWhitespace(Substring(codings[0]).utf8))), "chunked")
        }
        return lengths.count == 1 && isDigits(lengths[0])
    }

    /// A Content-Length value as RFC 9110 §8.6 has it: digits only (no sign, no spaces, no list).
    private static func isDigits(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
