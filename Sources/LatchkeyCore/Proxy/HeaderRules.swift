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
                let trimmed = token.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
                var end = trimmed.endIndex
                while end > trimmed.startIndex, [UInt8(ascii: " "), UInt8(ascii: "\t")].contains(trimmed[trimmed.index(before: end)]) {
                    end = trimmed.index(before: end)
                }
                if end > trimmed.startIndex { tokens.insert(lowercased(String(decoding: trimmed[..<end], as: UTF8.self))) }
            }
        }
        return tokens
    }

    /// Whether a provider file may set `name` through `inject.headers`.
    public static func isInjectable(_ name: String) -> Bool {
        let lower = name.lowercased()
        guard !lower.isEmpty, lower.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }) else { return false }
        return !hopByHop.contains(lower) && !["host", "content-length", "cookie"].contains(lower)
    }
}
