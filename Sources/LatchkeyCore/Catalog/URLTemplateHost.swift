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

    /// The template variables that fill the scheme or authority of `source` (a whole origin such as
    /// `{{instance_url}}` included); empty when the source is not a valid template.
    public static func hostVariables(_ source: String) -> Set<String> {
        let head: Substring
        if let schemeEnd = source.range(of: "://") {
            let rest = source[schemeEnd.upperBound...]
            head = source[..<schemeEnd.lowerBound] + rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        } else {
            head = source.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        }
        return (try? Template(String(head)))?.variables ?? []
    }
}
