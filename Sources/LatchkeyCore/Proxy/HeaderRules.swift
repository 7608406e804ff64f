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

    /// `name` in lower case, without copying when it already is (header names are ASCII).
    public static func lowercased(_ name: String) -> String {
        name.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) ? name.lowercased() : name
    }

    /// The header names a `Connection` header lists (lower case): connection-specific, never forwarded.
    public static func connectionTokens(_ values: [String]) -> Set<String> {
        var tokens = Set<String>()
        for value in values {
            for token in value.utf8.split(separator: UInt8(ascii: ",")) {
                let trimmed = trimmingWhitespace(token)
                if !trimmed.isEmpty { tokens.insert(lowercased(String(decoding: trimmed, as: UTF8.self))) }
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
}
