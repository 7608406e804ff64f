/// Where a provider's API lives, parsed from an `OutboundRequest.origin` (`scheme://host[:port]`).
struct UpstreamOrigin: Sendable, Hashable {
    var tls: Bool
    /// The host to connect to (an IPv6 address without its brackets).
    var host: String
    var port: Int
    /// The `Host` header: the origin after its scheme.
    var authority: String

    /// Nil for anything but an http(s) origin with a host.
    init?(_ origin: String) {
        let tls: Bool
        if origin.hasPrefix("https://") { tls = true } else if origin.hasPrefix("http://") { tls = false } else { return nil }
        let authority = String(origin.dropFirst(tls ? 8 : 7))
        guard !authority.isEmpty, !authority.contains("/"), !authority.contains("@") else { return nil }
        var host = Substring(authority)
        var port = tls ? 443 : 80
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let number = Int(rest.dropFirst()) else { return nil }
                port = number
            }
        } else if let colon = host.lastIndex(of: ":"), !host[..<colon].contains(":") {
            guard let number = Int(host[host.index(after: colon)...]) else { return nil }
            port = number
            host = host[..<colon]
        }
        guard !host.isEmpty, (1...65535).contains(port) else { return nil }
        self.tls = tls
        self.host = String(host)
        self.port = port
        self.authority = authority
    }
}
