import Foundation

/// `auth.connect_values`: values learnt while a user connects, each with where it comes from.
extension ProviderDecoder {
    static let connectValueKeys: [String: Set<String>] = [
        "callback_query": ["name", "from", "pattern", "param"],
        "token_response": ["name", "from", "pattern", "path"],
        "request": ["name", "from", "pattern", "url", "headers", "path"],
    ]
    /// Names the OAuth flow itself manages.
    static let flowNames: Set<String> = ["access_token", "refresh_token", "expires_at", "expires_in"]

    /// Reads the list; each entry's own problems are reported with its key path. Cross-checks against the rest of
    /// the file (names, where values are used) happen in `checkConnectValues` once the provider is built.
    func decodeConnectValues(_ auth: [String: Any], node authNode: YAMLNode) -> [ConnectValue] {
        guard let listNode = authNode.child("connect_values", of: auth), let items = listNode.list else { return [] }
        let nonSecret = Set(((auth["fields"] as? [[String: Any]]) ?? []).filter { ($0["secret"] as? Bool) == false }.compactMap { $0["name"] as? String })
        var values: [ConnectValue] = []
        var names = Set<String>()
        for item in items {
            guard let map = item.map, let name = requiredString("name", in: map, of: item), let from = requiredString("from", in: map, of: item) else { continue }
            let nameNode = item.child("name", of: map)
            if name.wholeMatch(of: Self.fieldNamePattern) == nil { nameNode?.fail("must be a lowercase identifier") }
            if Self.flowNames.contains(name) { nameNode?.fail("'\(name)' is managed by the OAuth flow") }
            if !names.insert(name).inserted { nameNode?.fail("'\(name)' is declared twice") }
            guard let allowed = Self.connectValueKeys[from] else {
                item.child("from", of: map)?.fail("must be one of callback_query, token_response, request")
                continue
            }
            item.checkKeys(map, allowed: allowed)
            var pattern: String?
            if let patternNode = item.child("pattern", of: map), let text = patternNode.string {
                if (try? NSRegularExpression(pattern: text)) == nil { patternNode.fail("is not a valid regular expression") } else { pattern = text }
            }
            guard let source = connectSource(from, map: map, item: item, nonSecret: nonSecret) else { continue }
            values.append(ConnectValue(name: name, source: source, pattern: pattern))
        }
        return values
    }

    private func connectSource(_ from: String, map: [String: Any], item: YAMLNode, nonSecret: Set<String>) -> ConnectValueSource? {
        switch from {
        case "callback_query":
            guard let param = requiredString("param", in: map, of: item) else { return nil }
            if ["state", "code", "error"].contains(param) { item.child("param", of: map)?.fail("'\(param)' belongs to the OAuth flow itself") }
            return .callbackQuery(param: param)
        case "token_response":
            return valuePath(in: map, of: item).map { .tokenResponse(path: $0) }
        default:
            let url = requestURL(in: map, of: item, nonSecret: nonSecret)
            let headers = requestHeaders(in: map, of: item, nonSecret: nonSecret)
            guard let path = valuePath(in: map, of: item), let url else { return nil }
            return .request(url: url, headers: headers, path: path)
        }
    }

    private func valuePath(in map: [String: Any], of item: YAMLNode) -> ValuePath? {
        guard let text = requiredString("path", in: map, of: item) else { return nil }
        do { return try ValuePath(text) } catch { item.child("path", of: map)?.fail(error.reason); return nil }
    }

    /// The follow-up request's URL: http(s) with a literal scheme (https in the shipped catalog), `{{field}}` only
    /// for non-secret credential fields, no fragment.
    private func requestURL(in map: [String: Any], of item: YAMLNode, nonSecret: Set<String>) -> String? {
        guard let text = requiredString("url", in: map, of: item), let node = item.child("url", of: map) else { return nil }
        var sample = text
        if text.contains("{{") {
            guard let template = try? Template(text), !text.hasPrefix("{{") else {
                node.fail("must be a URL with a literal scheme; {{field}} may fill host labels or path segments")
                return nil
            }
            for name in template.variables.subtracting(nonSecret).sorted() { node.fail("uses '{{\(name)}}', which is not a non-secret credential field") }
            sample = (try? template.render(Dictionary(uniqueKeysWithValues: template.variables.map { ($0, "x") }))) ?? text
        }
        if let problem = URLRules.problem(with: sample, strict: strict) { node.fail(problem); return nil }
        return text
    }

    /// The follow-up request's headers: templates over the new access token and non-secret credential fields.
    private func requestHeaders(in map: [String: Any], of item: YAMLNode, nonSecret: Set<String>) -> [ConnectRequestHeader] {
        guard let node = item.child("headers", of: map), let pairs = node.stringMap else { return [] }
        var headers: [ConnectRequestHeader] = []
        for (name, text) in pairs {
            let child = node.child(name, of: node.map ?? [:])
            guard HeaderRules.isInjectable(name) else { child?.fail("'\(name)' is not a header a provider file may set"); continue }
            do {
                let template = try Template(text)
                for variable in template.variables.subtracting(nonSecret.union(["access_token"])).sorted() {
                    child?.fail("uses '{{\(variable)}}'; only {{access_token}} and non-secret credential fields are known at this point")
                }
                headers.append(ConnectRequestHeader(name: name, value: template))
            } catch {
                child?.fail(error.reason)
            }
        }
        return headers
    }

    /// Checks the declared values against the rest of the provider: only the authorization-code flow learns them,
    /// their names are their own, and a value that fills a host name must have a pattern.
    func checkConnectValues(of provider: Provider, authNode: YAMLNode) {
        guard let values = provider.oauth?.connectValues, !values.isEmpty, let auth = authNode.value as? [String: Any] else { return }
        let listNode = authNode.child("connect_values", of: auth) ?? authNode
        if provider.authMode != .oauth2 { listNode.fail("connect values are learnt in the authorization-code flow (mode oauth2) only") }
        let tokenFields = Set(provider.oauth?.tokenFields ?? [])
        let hostVariables = URLTemplateHost.hostVariables(provider.baseURL.source)
        // Entries that did not decode are already reported: each declared value is found again by its name.
        let items = (listNode.value as? [Any]).flatMap { _ in listNode.list } ?? []
        for value in values {
            guard let itemNode = items.first(where: { ($0.value as? [String: Any])?["name"] as? String == value.name }) else { continue }
            if provider.field(named: value.name) != nil { itemNode.fail("'\(value.name)' is also a credential field: the user would type what the provider tells") }
            if tokenFields.contains(value.name) { itemNode.fail("'\(value.name)' is also in token_fields") }
            if hostVariables.contains(value.name), value.pattern == nil {
                itemNode.fail("'\(value.name)' fills the host of base_url, so it needs a 'pattern' the learnt value must match")
            }
        }
    }
}
