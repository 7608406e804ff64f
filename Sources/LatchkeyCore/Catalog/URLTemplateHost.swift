/// Whether a URL template takes its host from values (credential fields or token-response fields) rather than from
/// the provider file: `https://{{shop}}.myshopify.com`, `https://{{domain}}/api`, `{{instance_url}}`. Such hosts are
/// written by users, so the proxy connects to them only at public addresses (`PublicAddress`).
public enum URLTemplateHost {
    /// True when a `{{…}}` placeholder sits in the scheme or authority of `source`.
    public static func isFilledFromValues(_ source: String) -> Bool {
        guard let schemeEnd = source.range(of: "://") else { return source.contains("{{") }
        if source[..<schemeEnd.lowerBound].contains("{{") { return true }
        let rest = source[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return authority.contains("{{")
    }
}
