import Foundation

/// Turns (provider, credential values, agent path and query) into the outbound URL, injected and default headers.
public enum RequestInjector {
    /// Builds the outbound request. `rawPath` and `rawQuery` are exactly what the agent sent after the provider id.
    public static func build(provider: Provider, values: [String: String], rawPath: String, rawQuery: String?) throws(LatchkeyError) -> OutboundRequest {
        try build(provider: provider, injection: CredentialInjection(provider: provider, values: values), rawPath: rawPath, rawQuery: rawQuery)
    }

    /// Builds the outbound request with a credential's injection worked out before (`ResolvedCredential.injection`).
    public static func build(provider: Provider, injection: CredentialInjection, rawPath: String, rawQuery: String?) throws(LatchkeyError) -> OutboundRequest {
        let path = try ProxyPath.validate(rawPath)
        let base = try injection.base.get()
        var url = base.origin + base.path + path
        if url == base.origin { url += "/" }

        var queryParts: [String] = []
        var agentNames = Set<String>()
        if let rawQuery, !rawQuery.isEmpty {
            try ProxyPath.validateQuery(rawQuery)
            // An agent-supplied parameter with an injected name is dropped, so the credential is never ambiguous.
            queryParts = rawQuery.split(separator: "&", omittingEmptySubsequences: true).map(String.init).filter { part in
                let rawName = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? part
                let name = ProxyPath.fullyDecoded(rawName) ?? rawName
                agentNames.insert(name)
                return !injection.injectedQueryNames.contains(name)
            }
        }
        // A default parameter goes on only when the agent sent none of that name: the agent's own wins.
        for (name, value) in provider.defaults.query where !agentNames.contains(name) {
            queryParts.append(encodeQueryComponent(name) + "=" + encodeQueryComponent(value))
        }
        let rendered = try injection.rendered.get()
        queryParts += rendered.queryParameters
        if !queryParts.isEmpty { url += "?" + queryParts.joined(separator: "&") }

        // Every value injected, in every form it is sent in, for the response scrubber (SPEC §5.8).
        var outbound = OutboundRequest(url: url, origin: base.origin, injectedHeaders: rendered.headers, injectedValues: rendered.injectedValues)
        outbound.defaultHeaders = provider.defaults.headers
        // A user's own server is vetted like a host from a credential: only ever at a public address.
        outbound.requiresPublicAddress = provider.hostFromCredential || provider.ownerID != nil
        return outbound
    }

    /// The provider's base URL for this credential, split into origin and path prefix (no trailing slash).
    public static func baseURL(of provider: Provider, values: [String: String]) throws(LatchkeyError) -> BaseURL {
        if let parsed = provider.staticBaseURL { return parsed }
        let startsWithVariable = provider.baseURL.source.hasPrefix("{{")
        let rendered: String
        do {
            rendered = try provider.baseURL.render(values) { name, value in
                if startsWithVariable && provider.baseURL.source.hasPrefix("{{\(name)}}") || provider.baseURL.source.hasPrefix("{{ \(name) }}") {
                    return value.hasSuffix("/") ? String(value.dropLast()) : value
                }
                // A value inside the URL fills a host label or a path segment: nothing that could change the origin.
                guard !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.~".contains($0)) }), value != ".", value != ".." else {
                    throw LatchkeyError.badRequest("the credential's '\(name)' cannot be used in \(provider.id)'s base URL")
                }
                return value
            }
        } catch let error as LatchkeyError {
            throw error
        } catch {
            throw .badRequest("the credential lacks a value \(provider.id)'s base URL needs")
        }
        // A whole origin from a token response (Salesforce's instance_url) must be https unless it is local.
        return try parseBaseURL(rendered, allowHTTPAnywhere: !startsWithVariable, provider: provider.id)
    }

    /// Splits an absolute http(s) URL without user info, query or fragment into origin and path prefix.
    public static func parseBaseURL(_ text: String, allowHTTPAnywhere: Bool, provider: String = "the provider") throws(LatchkeyError) -> BaseURL {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = components.host, !host.isEmpty, components.user == nil, components.password == nil,
              components.query == nil, components.fragment == nil
        else { throw .badRequest("\(provider)'s base URL for this credential is not a valid URL") }
        if scheme == "http", !allowHTTPAnywhere, !URLRules.isLocalHost(host) {
            throw .badRequest("\(provider)'s base URL for this credential must be https")
        }
        let port = components.port.map { ":\($0)" } ?? ""
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        return BaseURL(origin: "\(scheme)://\(host)\(port)", path: path)
    }

    /// The credential's own values that `template` embeds (the bare token inside `Bearer {{token}}`).
    static func bareValues(of template: Template, _ values: [String: String]) -> [String] {
        template.variableNames.compactMap { values[$0] }
    }

    static func render(_ template: Template, _ values: [String: String]) throws(LatchkeyError) -> String {
        let text: String
        do { text = try template.render(values) } catch { throw .badRequest("the credential has no value for a field the provider needs") }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw .badRequest("a credential value contains a control character")
        }
        return text
    }

    static let queryAllowed: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        set.insert(charactersIn: "-._~")
        return set
    }()

    static func encodeQueryComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? ""
    }
}
