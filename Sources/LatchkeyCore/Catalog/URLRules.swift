import Foundation

/// What a URL in a provider file may be.
enum URLRules {
    /// Checks an absolute URL; returns the reason it is refused, or nil.
    static func problem(with text: String, strict: Bool, allowFragment: Bool = false) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty
        else { return "must be an absolute http(s) URL" }
        if components.user != nil || components.password != nil { return "must not carry user information" }
        if components.fragment != nil && !allowFragment { return "must not have a fragment" }
        switch scheme {
        case "https": return nil
        case "http":
            if strict { return "must be https in the shipped catalog" }
            return isLocalHost(host) ? nil : "http:// is allowed only for loopback or private-network hosts; use https"
        default: return "must use https"
        }
    }

    /// Loopback, private-range addresses and names that cannot resolve on the public internet.
    static func isLocalHost(_ rawHost: String) -> Bool {
        let host = rawHost.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host.hasSuffix(".localhost") || host == "::1" { return true }
        for suffix in [".internal", ".local", ".lan", ".home.arpa"] where host.hasSuffix(suffix) { return true }
        if !host.contains(".") && !host.contains(":") { return true }
        let octets = host.split(separator: ".").compactMap { UInt8($0) }
        guard octets.count == 4 else { return host.hasPrefix("fc") || host.hasPrefix("fd") }
        switch (octets[0], octets[1]) {
        case (127, _), (10, _), (192, 168): return true
        case (172, let b) where (16...31).contains(b): return true
        default: return false
        }
    }
}
