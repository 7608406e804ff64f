/// Which headers pass through the proxy and which a provider file may set.
///
/// The proxy checks every header of every call against these lists, so the checks compare names byte by byte,
/// ignoring ASCII case, without lowercasing (allocating) each name first.
public enum HeaderRules {
    /// Hop-by-hop headers (RFC 9110 §7.6.1) and connection-specific ones: never forwarded in either direction.
    public static let hopByHop = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization",
    ]

    /// Agent headers dropped on the way up: the agent's own credentials (its `lka_` key travels in Authorization),
    /// cookies, headers the proxy sets itself, and headers by which a provider's own front end would believe the
    /// agent about who is calling or what it asked for (client addresses, the original URL, the real method), so
    /// an agent cannot pose as an internal caller or turn an allowed GET into a DELETE. Every `X-Forwarded-*`
    /// header is dropped too (`isDroppedFromAgent`).
    public static let droppedFromAgent = hopByHop + [
        "host", "authorization", "cookie", "content-length", "expect",
        "forwarded", "x-real-ip", "x-original-url", "x-rewrite-url", "x-http-method-override", "x-http-method", "x-method-override",
    ]

    private static let droppedFromAgentSet = HeaderNameSet(droppedFromAgent)

    /// Whether the proxy drops the agent's header `name` (the list above, and any `X-Forwarded-*`).
    public static func isDroppedFromAgent(_ name: String) -> Bool {
        let forwarded = "x-forwarded-".utf8
        return droppedFromAgentSet.contains(name)
            || (name.utf8.count > forwarded.count && name.utf8.prefix(forwarded.count).elementsEqual(forwarded) { lowered($0) == $1 })
    }

    /// Upstream headers dropped on the way back: a provider session must not reach the agent.
    public static let droppedFromUpstream = hopByHop + ["set-cookie", "set-cookie2", "content-length"]

    private static let droppedFromUpstreamSet = HeaderNameSet(droppedFromUpstream)

    /// Whether the proxy drops the provider's response header `name`.
    public static func isDroppedFromUpstream(_ name: String) -> Bool { droppedFromUpstreamSet.contains(name) }

    /// Whether two header names are the same name (ASCII case ignored).
    public static func sameName(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8) { lowered($0) == lowered($1) }
    }

    /// Whether `name` is one of `names` (ASCII case ignored).
    public static func isListed(_ name: String, in names: [String]) -> Bool {
        names.contains { sameName(name, $0) }
    }

    /// The header names that `headers`' `Connection` fields list, other than ones `alreadyDropped` drops anyway (so
    /// the usual `keep-alive` leaves nothing to check): connection-specific, never forwarded.
    @inlinable
    public static func connectionTokens<Headers: Sequence>(in headers: Headers, alreadyDropped: [String]) -> [String]
    where Headers.Element == (name: String, value: String) {
        var tokens: [String] = []
        for (name, value) in headers where sameName(name, "connection") {
            var rest = Substring(value).utf8[...]
            while !rest.isEmpty {
                let end = rest.firstIndex(of: UInt8(ascii: ",")) ?? rest.endIndex
                let token = trimmingWhitespace(rest[..<end])
                if !token.isEmpty {
                    let name = String(Substring(token))
                    if !isListed(name, in: alreadyDropped) { tokens.append(name) }
                }
                rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
            }
        }
        return tokens
    }

    /// `bytes` without the spaces and tabs around it (HTTP's optional whitespace), without Foundation.
    public static func trimmingWhitespace(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        func isWhitespace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let start = bytes.drop(while: isWhitespace)
        var end = start.endIndex
        while end > start.startIndex, isWhitespace(start[start.index(before: end)]) { end = start.index(before: end) }
        return start[..<end]
    }

    /// Whether a provider file may set `name` through `inject.headers`.
    public static func isInjectable(_ name: String) -> Bool {
        let lower = name.lowercased()
        guard !lower.isEmpty, lower.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }) else { return false }
        return !hopByHop.contains(lower) && !["host", "content-length", "cookie"].contains(lower)
    }

    private static func lowered(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
