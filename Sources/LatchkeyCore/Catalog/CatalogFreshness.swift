/// The freshness rule of `providers check --strict`: a provider file that pins an API version (an injected or
/// default header or query parameter, or a token request header, whose name contains "version" or "revision", or a
/// dated version segment such as `/2025-07/` in its base URL or a tool path) declares `proxy.api_version`, and the pin is still supported on
/// `today`. Not part of loading: a running deployment does not stop because a date passed.
public enum CatalogFreshness {
    /// Every problem of `providers` on `today` (the caller's clock; tests pass a fixed day).
    public static func issues(in providers: [Provider], today: CalendarDay) -> [CatalogIssue] {
        providers.flatMap { issues(of: $0, today: today) }
    }

    /// The problems of one provider.
    public static func issues(of provider: Provider, today: CalendarDay) -> [CatalogIssue] {
        let pins = pins(of: provider)
        guard let pin = provider.apiVersion else {
            guard let first = pins.first else { return [] }
            let more = pins.count > 1 ? " (and \(pins.count - 1) more)" : ""
            return [CatalogIssue(file: provider.sourceFile, keyPath: "proxy", reason: "\(first)\(more) pins an API version: declare 'api_version' with its 'released' date and, where the provider announced one, its 'support_ends'")]
        }
        if pin.released > today {
            return [CatalogIssue(file: provider.sourceFile, keyPath: "proxy.api_version.released", reason: "\(pin.released) is after today (\(today))")]
        }
        guard let reason = pin.staleness(on: today) else { return [] }
        return [CatalogIssue(file: provider.sourceFile, keyPath: pin.supportEnds == nil ? "proxy.api_version.released" : "proxy.api_version.support_ends", reason: reason)]
    }

    /// Where `provider` pins an API version, each as a key path and value for the message.
    static func pins(of provider: Provider) -> [String] {
        var found: [String] = []
        for (name, _) in provider.injection.headers where namesVersion(name) { found.append("proxy.inject.headers.\(name)") }
        for (name, _) in provider.injection.query where namesVersion(name) { found.append("proxy.inject.query.\(name)") }
        for (name, _) in provider.defaults.headers where namesVersion(name) { found.append("proxy.defaults.headers.\(name)") }
        for (name, _) in provider.defaults.query where namesVersion(name) { found.append("proxy.defaults.query.\(name)") }
        for name in (provider.oauth?.tokenHeaders.keys).map(Array.init)?.sorted() ?? [] where namesVersion(name) { found.append("auth.token_headers.\(name)") }
        if hasDatedSegment(provider.baseURL.source) { found.append("proxy.base_url '\(provider.baseURL.source)'") }
        for tool in provider.tools where hasDatedSegment(tool.path) { found.append("the path of tool '\(tool.name)' ('\(tool.path)')") }
        return found
    }

    /// Whether a header or parameter name says it carries a version ("Notion-Version", "revision").
    static func namesVersion(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.contains("version") || lower.contains("revision")
    }

    /// Whether a URL or path has a segment that is a date (`/2025-07/`, `/2010-04-01/`).
    static func hasDatedSegment(_ text: String) -> Bool {
        text.split(separator: "/").contains { $0.wholeMatch(of: /[0-9]{4}-[0-9]{2}(-[0-9]{2})?/) != nil }
    }
}
