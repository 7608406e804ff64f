import Foundation

/// Turns one merged provider document into a `Provider`, reporting each problem with its key path.
struct ProviderDecoder {
    let node: YAMLNode
    let id: String
    let strict: Bool

    static let topKeys: Set<String> = ["name", "docs", "description", "auth", "proxy", "mcp", "tools"]
    static let authKeys: Set<String> = Set([
        "mode", "authorization_url", "token_url", "revocation_url", "scopes", "scope_separator", "authorization_params",
        "token_params", "pkce", "token_endpoint_auth", "default_token_ttl", "refresh_window", "refresh_token_idle_ttl",
        "token_response", "token_fields", "token_headers", "connect_values", "fields",
    ]).union(refreshKindKeys).union(["issuer_field"])
    static let fieldKeys: Set<String> = ["name", "label", "secret", "required", "pattern", "help"]
    static var fieldNamePattern: Regex<Substring> { /^[a-z_][a-z0-9_]*$/ }
    static var toolNamePattern: Regex<Substring> { /^[a-z0-9_]+$/ }
    static let methods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]

    func decode() -> Provider? {
        guard let top = node.map else { return nil }
        node.checkKeys(top, allowed: Self.topKeys)
        let name = requiredString("name", in: top, of: node)
        let docs = node.child("docs", of: top).flatMap { docsNode in docsNode.string.map { (docsNode, $0) } }
        if let (docsNode, text) = docs, let problem = URLRules.problem(with: text, strict: strict, allowFragment: true) { docsNode.fail(problem) }
        if strict && docs == nil { node.fail("a shipped provider needs a 'docs' link") }
        let description = node.child("description", of: top)?.string

        guard let authNode = node.child("auth", of: top) else { node.fail("'auth' is required"); return nil }
        guard let auth = authNode.map else { return nil }
        authNode.checkKeys(auth, allowed: Self.authKeys)
        guard let modeNode = authNode.child("mode", of: auth) else { authNode.fail("'mode' is required"); return nil }
        guard let modeText = modeNode.string else { return nil }
        guard let mode = AuthMode(rawValue: modeText) else {
            modeNode.fail("must be one of \(AuthMode.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        let mcp = node.child("mcp", of: top).flatMap(decodeMCP)
        if mode == .none && mcp == nil && node.child("mcp", of: top) == nil { modeNode.fail("'none' is only for remote MCP servers (a provider with 'mcp')") }
        var oauth = mode.isOAuth ? decodeOAuth(auth, node: authNode, mode: mode, mcp: mcp) : nil
        if let mcp, oauth != nil {
            // RFC 8707: every authorization and token request names the MCP server the token is for.
            if oauth?.authorizationParams["resource"] == nil { oauth?.authorizationParams["resource"] = mcp.resource }
            if oauth?.tokenParams["resource"] == nil { oauth?.tokenParams["resource"] = mcp.resource }
        }
        if !mode.isOAuth {
            for key in Self.authKeys.subtracting(["mode", "fields"]) where auth[key] != nil {
                authNode.child(key, of: auth)?.fail("applies only to oauth2 modes")
            }
        }
        let fields = decodeFields(auth, node: authNode, mode: mode)

        let proxyNode: YAMLNode
        if let declared = node.child("proxy", of: top) {
            proxyNode = declared
        } else if let mcp {
            // A remote MCP server alone: its URL is the base URL, and the credential goes on as the mode says.
            proxyNode = YAMLNode(value: ["base_url": mcp.url] as [String: Any], path: node.path.isEmpty ? "proxy" : node.path + ".proxy", file: node.file, issues: node.issues)
        } else {
            node.fail("'proxy' is required (or 'mcp', for a remote MCP server)")
            return nil
        }
        guard var proxy = proxyNode.map else { return nil }
        proxyNode.checkKeys(proxy, allowed: ["base_url", "inject", "defaults", "api_version"])
        if proxy["base_url"] == nil, let mcp { proxy["base_url"] = mcp.url }
        let baseURL = decodeBaseURL(proxy, node: YAMLNode(value: proxy, path: proxyNode.path, file: proxyNode.file, issues: proxyNode.issues))
        let injection = decodeInjection(proxy, node: proxyNode, mode: mode, fields: fields)
        let defaults = decodeDefaults(proxy, node: proxyNode, injection: injection)
        let apiVersion = decodeAPIVersion(proxy, node: proxyNode)
        let tools = node.child("tools", of: top).map(decodeTools) ?? []

        guard let name, let baseURL, let injection, let fields else { return nil }
        if mode.isOAuth && oauth == nil { return nil }
        let provider = Provider(
            id: id, name: name, docs: docs?.1, description: description, authMode: mode, oauth: oauth, fields: fields,
            baseURL: baseURL, injection: injection, defaults: defaults, apiVersion: apiVersion, tools: tools, mcp: mcp, sourceFile: node.file
        )
        checkVariables(of: provider, proxyNode: proxyNode, proxy: proxy)
        checkConnectValues(of: provider, authNode: authNode)
        return provider
    }

    func requiredString(_ key: String, in map: [String: Any], of parent: YAMLNode) -> String? {
        guard let child = parent.child(key, of: map) else { parent.fail("'\(key)' is required"); return nil }
        guard let text = child.string else { return nil }
        if text.trimmingCharacters(in: .whitespaces).isEmpty { child.fail("must not be empty"); return nil }
        return text
    }

    func url(_ key: String, in map: [String: Any], of parent: YAMLNode, required: Bool) -> String? {
        guard let child = parent.child(key, of: map) else {
            if required { parent.fail("'\(key)' is required for this auth mode") }
            return nil
        }
        guard let text = child.string else { return nil }
        var sample = text
        if text.contains("{{") {
            // Account-specific hosts (a Shopify shop, a Zendesk subdomain) come from non-secret credential fields.
            guard let template = try? Template(text), !text.hasPrefix("{{") else { child.fail("must be a URL with a literal scheme; {{field}} may fill host labels or path segments"); return nil }
            let nonSecret = Set((parentFields(of: parent) ?? []).filter { !$0.secret }.map(\.name))
            for name in template.variables.subtracting(nonSecret).sorted() { child.fail("uses '{{\(name)}}', which is not a non-secret credential field") }
            sample = (try? template.render(Dictionary(uniqueKeysWithValues: template.variables.map { ($0, "x") }))) ?? text
        }
        if let problem = URLRules.problem(with: sample, strict: strict) { child.fail(problem); return nil }
        return text
    }

    /// The declared fields of the `auth` block, read quietly (their own problems are reported by `decodeFields`).
    private func parentFields(of authNode: YAMLNode) -> [CredentialField]? {
        guard let auth = authNode.value as? [String: Any], let items = auth["fields"] as? [[String: Any]] else { return nil }
        return items.compactMap { item in
            guard let name = item["name"] as? String else { return nil }
            return CredentialField(name: name, label: name, secret: item["secret"] as? Bool ?? true)
        }
    }

    private func positive(_ key: String, in map: [String: Any], of parent: YAMLNode) -> Int? {
        guard let child = parent.child(key, of: map), let value = child.int else { return nil }
        if value <= 0 { child.fail("must be greater than zero"); return nil }
        return value
    }

    /// `mcp: {url: …}`: an absolute http(s) URL without query or fragment (https in the shipped catalog).
    private func decodeMCP(_ mcpNode: YAMLNode) -> RemoteMCPServer? {
        guard let map = mcpNode.map else { return nil }
        mcpNode.checkKeys(map, allowed: ["url"])
        guard let text = requiredString("url", in: map, of: mcpNode), let child = mcpNode.child("url", of: map) else { return nil }
        if text.contains("{{") { child.fail("must be a literal URL"); return nil }
        if let problem = URLRules.problem(with: text, strict: strict) { child.fail(problem); return nil }
        if text.contains("?") || text.contains("#") { child.fail("must not carry a query or fragment"); return nil }
        return RemoteMCPServer(url: text)
    }

    private func decodeOAuth(_ auth: [String: Any], node authNode: YAMLNode, mode: AuthMode, mcp: RemoteMCPServer?) -> OAuthSettings? {
        if mcp != nil || Self.discoversFromIssuer(auth), mode == .oauth2, auth["authorization_url"] == nil, auth["token_url"] == nil {
            // The MCP authorization spec, or OpenID Connect discovery at a typed issuer: endpoints come from metadata at connect time.
            var settings = decodeOAuthOptions(auth, node: authNode, into: OAuthSettings(tokenURL: ""))
            settings.discovered = true
            checkTokenParams(auth, node: authNode, mode: mode)
            decodeRefreshKinds(auth, node: authNode, mode: mode, into: &settings)
            decodeIssuerField(auth, node: authNode, mode: mode, into: &settings)
            for key in ["revocation_url"] where auth[key] != nil { authNode.child(key, of: auth)?.fail("is discovered too when the endpoints are") }
            return settings
        }
        let authorizationURL = url("authorization_url", in: auth, of: authNode, required: mode == .oauth2)
        if mode == .oauth2ClientCredentials, auth["authorization_url"] != nil {
            authNode.child("authorization_url", of: auth)?.fail("client-credentials providers have no authorization URL")
        }
        guard let tokenURL = url("token_url", in: auth, of: authNode, required: true) else { return nil }
        var settings = OAuthSettings(authorizationURL: authorizationURL, tokenURL: tokenURL)
        settings.revocationURL = url("revocation_url", in: auth, of: authNode, required: false)
        settings = decodeOAuthOptions(auth, node: authNode, into: settings)
        checkTokenParams(auth, node: authNode, mode: mode)
        decodeRefreshKinds(auth, node: authNode, mode: mode, into: &settings)
        decodeIssuerField(auth, node: authNode, mode: mode, into: &settings)
        return settings
    }

    /// The options of an `auth` block beside its endpoints.
    private func decodeOAuthOptions(_ auth: [String: Any], node authNode: YAMLNode, into start: OAuthSettings) -> OAuthSettings {
        var settings = start
        settings.scopes = authNode.child("scopes", of: auth)?.stringList ?? []
        if let separator = authNode.child("scope_separator", of: auth) {
            if let text = separator.string {
                if text.isEmpty { separator.fail("must not be empty") } else { settings.scopeSeparator = text }
            }
        }
        settings.authorizationParams = Dictionary(uniqueKeysWithValues: authNode.child("authorization_params", of: auth)?.stringMap ?? [])
        settings.tokenParams = Dictionary(uniqueKeysWithValues: authNode.child("token_params", of: auth)?.stringMap ?? [])
        settings.pkce = authNode.child("pkce", of: auth)?.bool ?? true
        if let method = authNode.child("token_endpoint_auth", of: auth), let text = method.string {
            let publicClient = Self.discoversFromIssuer(auth)
            if let value = OAuthSettings.TokenEndpointAuth(rawValue: text), (value == .none) == publicClient { settings.tokenEndpointAuth = value } else {
                method.fail(publicClient ? "must be none: a provider whose issuer a user types is a public client" : "must be client_secret_post or client_secret_basic")
            }
        }
        settings.defaultTokenTTL = positive("default_token_ttl", in: auth, of: authNode)
        settings.refreshWindow = positive("refresh_window", in: auth, of: authNode) ?? 300
        settings.refreshTokenIdleTTL = positive("refresh_token_idle_ttl", in: auth, of: authNode)
        settings.tokenHeaders = decodeTokenHeaders(auth, node: authNode)
        if let paths = authNode.child("token_response", of: auth), let map = paths.map {
            paths.checkKeys(map, allowed: ["access_token", "refresh_token", "expires_in", "scope"])
            settings.tokenResponsePaths = Dictionary(uniqueKeysWithValues: paths.stringMap ?? [])
        }
        if let tokenFields = authNode.child("token_fields", of: auth), let names = tokenFields.list {
            for item in names {
                guard let name = item.string else { continue }
                if name.wholeMatch(of: Self.fieldNamePattern) == nil { item.fail("must be a lowercase identifier") } else {
                    settings.tokenFields.append(name)
                }
            }
        }
        settings.connectValues = decodeConnectValues(auth, node: authNode)
        return settings
    }

    private func decodeFields(_ auth: [String: Any], node authNode: YAMLNode, mode: AuthMode) -> [CredentialField]? {
        guard let fieldsNode = authNode.child("fields", of: auth) else {
            switch mode {
            case .apiKey: return [CredentialField(name: "api_key", label: "API key")]
            case .basic: return [CredentialField(name: "username", label: "Username", secret: false), CredentialField(name: "password", label: "Password")]
            case .oauth2, .oauth2ClientCredentials, .none: return []
            case .custom:
                authNode.fail("a custom provider must declare its 'fields'")
                return nil
            }
        }
        if mode == .none { fieldsNode.fail("a provider without authentication has no fields"); return nil }
        guard let items = fieldsNode.list else { return nil }
        var fields: [CredentialField] = []
        var names = Set<String>()
        for item in items {
            guard let map = item.map else { continue }
            item.checkKeys(map, allowed: Self.fieldKeys)
            guard let name = requiredString("name", in: map, of: item) else { continue }
            if name.wholeMatch(of: Self.fieldNamePattern) == nil { item.child("name", of: map)?.fail("must be a lowercase identifier") }
            if !names.insert(name).inserted { item.child("name", of: map)?.fail("'\(name)' is declared twice") }
            if name == "request" { item.child("name", of: map)?.fail("'request' is reserved: every provider has the generic tool {id}_request") }
            if mode.isOAuth, ["access_token", "refresh_token", "expires_at", "expires_in"].contains(name) {
                item.child("name", of: map)?.fail("'\(name)' is managed by the OAuth flow and cannot be a field")
            }
            var field = CredentialField(name: name, label: item.child("label", of: map)?.string ?? name)
            field.secret = item.child("secret", of: map)?.bool ?? true
            field.required = item.child("required", of: map)?.bool ?? true
            field.help = item.child("help", of: map)?.string
            if let patternNode = item.child("pattern", of: map), let pattern = patternNode.string {
                if (try? NSRegularExpression(pattern: pattern)) == nil { patternNode.fail("is not a valid regular expression") } else {
                    field.pattern = pattern
                }
            }
            if mode.isOAuth && field.secret {
                item.fail("fields of an OAuth provider are extra non-secret inputs (e.g. a subdomain): set 'secret: false'")
            }
            fields.append(field)
        }
        return fields
    }

    private func decodeBaseURL(_ proxy: [String: Any], node proxyNode: YAMLNode) -> Template? {
        guard let text = requiredString("base_url", in: proxy, of: proxyNode), let child = proxyNode.child("base_url", of: proxy) else { return nil }
        let template: Template
        do { template = try Template(text) } catch { child.fail(error.reason); return nil }
        if template.variables.isEmpty, let problem = URLRules.problem(with: text, strict: strict) { child.fail(problem); return nil }
        if text.contains("?") || text.contains("#") { child.fail("must not carry a query or fragment"); return nil }
        if !template.variables.isEmpty, !text.hasPrefix("{{") {
            // With a literal scheme, the variables may only fill host labels or path segments; check the literal part now.
            let sample = (try? template.render(Dictionary(uniqueKeysWithValues: template.variables.map { ($0, "x") }))) ?? text
            if let problem = URLRules.problem(with: sample, strict: strict) { child.fail(problem); return nil }
        }
        return template
    }

    private func decodeInjection(_ proxy: [String: Any], node proxyNode: YAMLNode, mode: AuthMode, fields: [CredentialField]?) -> Injection? {
        guard let injectNode = proxyNode.child("inject", of: proxy) else {
            switch mode {
            case .oauth2, .oauth2ClientCredentials:
                return (try? Template("Bearer {{access_token}}")).map { Injection(headers: [("Authorization", $0)]) }
            case .basic:
                guard let user = try? Template("{{username}}"), let password = try? Template("{{password}}") else { return nil }
                return Injection(basic: (user, password))
            case .none:
                return Injection()
            case .apiKey, .custom:
                proxyNode.fail("'inject' is required: say how the credential is put onto requests")
                return nil
            }
        }
        guard let inject = injectNode.map else { return nil }
        injectNode.checkKeys(inject, allowed: ["headers", "query", "basic"])
        var injection = Injection()
        func templates(_ key: String) -> [(name: String, value: Template)] {
            guard let child = injectNode.child(key, of: inject), let pairs = child.stringMap else { return [] }
            return pairs.compactMap { name, value in
                do { return (name, try Template(value)) } catch {
                    child.child(name, of: child.map ?? [:])?.fail((error as? TemplateError)?.reason ?? "invalid template")
                    return nil
                }
            }
        }
        injection.headers = templates("headers")
        for (name, _) in injection.headers where !HeaderRules.isInjectable(name) {
            injectNode.child("headers", of: inject)?.fail("'\(name)' is not a header a provider file may set")
        }
        injection.query = templates("query")
        if let basicNode = injectNode.child("basic", of: inject), let basic = basicNode.map {
            basicNode.checkKeys(basic, allowed: ["username", "password"])
            let user = basicNode.child("username", of: basic)?.string.flatMap { try? Template($0) }
            let password = basicNode.child("password", of: basic)?.string.flatMap { try? Template($0) }
            if let user, let password { injection.basic = (user, password) } else {
                basicNode.fail("needs 'username' and 'password' templates")
            }
        }
        if injection.basic != nil, injection.headers.contains(where: { $0.name.lowercased() == "authorization" }) {
            injectNode.fail("sets Authorization twice: through 'basic' and through 'headers'")
        }
        // Problems are already reported; the partial injection still goes through the variable checks.
        return injection
    }

    private func decodeTools(_ toolsNode: YAMLNode) -> [ProviderTool] {
        guard let items = toolsNode.list else { return [] }
        var tools: [ProviderTool] = []
        var names = Set<String>()
        for item in items {
            guard let map = item.map else { continue }
            item.checkKeys(map, allowed: ["name", "description", "method", "path", "query", "input_schema"])
            guard let name = requiredString("name", in: map, of: item),
                  let description = requiredString("description", in: map, of: item),
                  let method = requiredString("method", in: map, of: item),
                  let path = requiredString("path", in: map, of: item)
            else { continue }
            if name.wholeMatch(of: Self.toolNamePattern) == nil { item.child("name", of: map)?.fail("must be lowercase letters, digits and '_'") }
            if !names.insert(name).inserted { item.child("name", of: map)?.fail("'\(name)' is declared twice") }
            if name == "request" { item.child("name", of: map)?.fail("'request' is reserved: every provider has the generic tool {id}_request") }
            if !Self.methods.contains(method) { item.child("method", of: map)?.fail("must be one of \(Self.methods.sorted().joined(separator: ", "))") }
            let pathNode = item.child("path", of: map)
            if !path.hasPrefix("/") { pathNode?.fail("must start with '/'") }
            if path.contains("{{") || path.contains("://") || path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) {
                pathNode?.fail("must be a plain path under the base URL: no '..', scheme or {{ }}")
            }
            var schema: [String: Any] = ["type": "object"]
            if let schemaNode = item.child("input_schema", of: map), let declared = schemaNode.map {
                schema = declared
                if declared["type"] as? String != "object" { schemaNode.fail("must have 'type: object'") }
            }
            let properties = Set((schema["properties"] as? [String: Any])?.keys.map { $0 } ?? [])
            let required = Set(schema["required"] as? [String] ?? [])
            for placeholder in Self.placeholders(in: path) where !required.contains(placeholder) || !properties.contains(placeholder) {
                pathNode?.fail("'{\(placeholder)}' must be a required property of input_schema")
            }
            let queryNode = item.child("query", of: map)
            let query = queryNode?.stringList ?? []
            for name in query where !properties.contains(name) { queryNode?.fail("'\(name)' is not a property of input_schema") }
            var schemaJSON = #"{"type":"object"}"#
            if let text = JSONText.encode(schema) {
                schemaJSON = text
            } else {
                item.child("input_schema", of: map)?.fail("is not expressible as JSON")
            }
            tools.append(ProviderTool(name: name, description: description, method: method, path: path, query: query, inputSchemaJSON: schemaJSON))
        }
        return tools
    }

    /// The `{name}` placeholders of a tool path.
    static func placeholders(in path: String) -> [String] {
        var names: [String] = []
        var rest = Substring(path)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    private func checkVariables(of provider: Provider, proxyNode: YAMLNode, proxy: [String: Any]) {
        let available = provider.availableVariables
        for name in provider.baseURL.variables.subtracting(available).sorted() {
            proxyNode.child("base_url", of: proxy)?.fail("uses '{{\(name)}}', which is neither a credential field, a token field nor a connect value")
        }
        for name in provider.injection.variables.subtracting(available).sorted() {
            (proxyNode.child("inject", of: proxy) ?? proxyNode).fail("uses '{{\(name)}}', which is neither a credential field, a token field nor a connect value")
        }
        // Secrets in a URL end up in upstream access logs; only the query injection may carry them, by explicit choice.
        let secretNames = Set(provider.fields.filter(\.secret).map(\.name)).union(provider.oauth == nil ? [] : ["access_token"])
        for name in provider.baseURL.variables.intersection(secretNames).sorted() {
            proxyNode.child("base_url", of: proxy)?.fail("must not contain the secret '{{\(name)}}'")
        }
    }
}
