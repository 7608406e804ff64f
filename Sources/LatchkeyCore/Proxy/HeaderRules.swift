/// Which headers pass through the proxy and which a provider file may set.
public enum HeaderRules {
    /// Hop-by-hop headers (RFC 9110 §7.6.1) and connection-specific ones: never forwarded in either direction.
    public static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization",
    ]

    /// Agent headers dropped on the way up: the agent's own credentials (its `lka_` key travels in Authorization),
    /// cookies, and headers the proxy sets itself.
    public static let droppedFromAgent: Set<String> = hopByHop.union(["host", "authorization", "cookie", "content-length", "expect"])

    /// Upstream headers dropped on the way back: a provider session must not reach the agent.
    public static let droppedFromUpstream: Set<String> = hopByHop.union(["set-cookie", "set-cookie2", "content-length"])

    /// Whether a provider file may set `name` through `inject.headers`.
    public static func isInjectable(_ name: String) -> Bool {
        let lower = name.lowercased()
        guard !lower.isEmpty, lower.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }) else { return false }
        return !hopByHop.contains(lower) && !["host", "content-length", "cookie"].contains(lower)
    }
}
