/// `proxy.defaults` and `proxy.api_version`: the parts of a provider file an agent may override, and the dates of
/// the API version it pins.
extension ProviderDecoder {
    /// `defaults: {headers: {…}, query: {…}}`: plain values (no `{{ }}`: a default is never a credential), under
    /// names the injection does not set and, for headers, names an agent can send (so it can override them).
    func decodeDefaults(_ proxy: [String: Any], node proxyNode: YAMLNode, injection: Injection?) -> RequestDefaults {
        guard let defaultsNode = proxyNode.child("defaults", of: proxy), let map = defaultsNode.map else { return RequestDefaults() }
        defaultsNode.checkKeys(map, allowed: ["headers", "query"])
        func values(_ key: String, injected: [String]) -> [(name: String, value: String)] {
            guard let child = defaultsNode.child(key, of: map), let pairs = child.stringMap else { return [] }
            return pairs.filter { name, value in
                let entry = child.child(name, of: child.map ?? [:]) ?? child
                if name.isEmpty { entry.fail("a \(key == "headers" ? "header" : "query parameter") name must not be empty"); return false }
                if value.contains("{{") { entry.fail("a default is a fixed value, never a credential: put templates under 'inject'"); return false }
                if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { entry.fail("must not contain control characters"); return false }
                if injected.contains(where: { key == "headers" ? HeaderRules.sameName($0, name) : $0 == name }) {
                    entry.fail("'\(name)' is also under 'inject', which always wins: declare it in one place")
                    return false
                }
                return true
            }
        }
        let headers = values("headers", injected: (injection?.headers.map(\.name) ?? []) + (injection?.basic == nil ? [] : ["Authorization"]))
        for (name, _) in headers where !HeaderRules.isInjectable(name) || HeaderRules.isDroppedFromAgent(name) {
            defaultsNode.child("headers", of: map)?.fail("'\(name)' cannot be a default: the proxy never takes it from an agent, so an agent could not override it")
        }
        let query = values("query", injected: injection?.query.map(\.name) ?? [])
        return RequestDefaults(headers: headers, query: query)
    }

    /// `auth.token_headers: {User-Agent: …}`: fixed headers on the token and revocation requests. Plain text (they
    /// are not credentials), and not the headers Latchkey sets itself there (Authorization, Accept, Content-Type).
    func decodeTokenHeaders(_ auth: [String: Any], node authNode: YAMLNode) -> [String: String] {
        guard let child = authNode.child("token_headers", of: auth), let pairs = child.stringMap else { return [:] }
        var headers: [String: String] = [:]
        for (name, value) in pairs {
            let entry = child.child(name, of: child.map ?? [:]) ?? child
            if !HeaderRules.isInjectable(name) || ["authorization", "accept", "content-type"].contains(name.lowercased()) {
                entry.fail("'\(name)' is not a header a provider file may set on token requests")
            } else if value.contains("{{") {
                entry.fail("a token request header is a fixed value: no {{ }}")
            } else if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
                entry.fail("must not contain control characters")
            } else {
                headers[name] = value
            }
        }
        return headers
    }

    /// `api_version: {released: YYYY-MM-DD, support_ends: YYYY-MM-DD}`; `support_ends` is optional.
    func decodeAPIVersion(_ proxy: [String: Any], node proxyNode: YAMLNode) -> APIVersionPin? {
        guard let pinNode = proxyNode.child("api_version", of: proxy), let map = pinNode.map else { return nil }
        pinNode.checkKeys(map, allowed: ["released", "support_ends"])
        func day(_ key: String) -> CalendarDay? {
            guard let child = pinNode.child(key, of: map), let text = child.string else { return nil }
            guard let day = CalendarDay(text) else { child.fail("must be a date written YYYY-MM-DD, e.g. 2025-09-03"); return nil }
            return day
        }
        guard map["released"] != nil else { pinNode.fail("'released' is required: the date the pinned version was released"); return nil }
        let released = day("released")
        let supportEnds = day("support_ends")
        if let released, let supportEnds, supportEnds <= released {
            pinNode.child("support_ends", of: map)?.fail("must be after 'released' (\(released))")
            return nil
        }
        if map["support_ends"] != nil && supportEnds == nil { return nil }
        return released.map { APIVersionPin(released: $0, supportEnds: supportEnds) }
    }
}
