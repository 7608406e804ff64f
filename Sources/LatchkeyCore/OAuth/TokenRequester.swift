import Foundation

/// Sends the token requests of RFC 6749 (code exchange, refresh, client credentials) and revocations (RFC 7009),
/// with the provider's client authentication and extra parameters, and classifies every failure.
public struct TokenRequester: Sendable {
    let http: any TokenHTTPClient

    /// Creates a requester over `http`.
    public init(http: any TokenHTTPClient) { self.http = http }

    /// Exchanges an authorization code.
    public func exchange(code: String, verifier: String?, redirectURI: String, provider: Provider, client: ClientCredentials, fields: [String: String]) async throws(TokenEndpointError) -> OAuthTokens {
        var form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI)]
        if let verifier { form.append(("code_verifier", verifier)) }
        return try await request(form, provider: provider, client: client, fields: fields)
    }

    /// Spends a refresh token, at the provider's refresh endpoint when it has its own.
    public func refresh(refreshToken: String, provider: Provider, client: ClientCredentials, fields: [String: String]) async throws(TokenEndpointError) -> OAuthTokens {
        try await request([("grant_type", "refresh_token"), ("refresh_token", refreshToken)], provider: provider, client: client, fields: fields,
                          endpoint: provider.oauth?.refreshURL)
    }

    /// Exchanges an access token for a fresh one, for a provider whose `auth.refresh` is an exchange (Meta's
    /// `fb_exchange_token`); throws `no_token_exchange` for any other provider.
    public func exchangeAccessToken(_ accessToken: String, provider: Provider, client: ClientCredentials, fields: [String: String]) async throws(TokenEndpointError) -> OAuthTokens {
        guard case .exchange(let grantType, let tokenParam) = provider.oauth?.refreshGrant else { throw .permanent(code: "no_token_exchange") }
        return try await request([("grant_type", grantType), (tokenParam, accessToken)], provider: provider, client: client, fields: fields,
                                 endpoint: provider.oauth?.refreshURL)
    }

    /// Fetches a token with the client's own credentials.
    public func clientCredentials(provider: Provider, client: ClientCredentials, fields: [String: String]) async throws(TokenEndpointError) -> OAuthTokens {
        var form = [("grant_type", "client_credentials")]
        if let scopes = provider.oauth?.scopes, !scopes.isEmpty { form.append(("scope", scopes.joined(separator: provider.oauth?.scopeSeparator ?? " "))) }
        return try await request(form, provider: provider, client: client, fields: fields)
    }

    /// Revokes a token at the provider; returns whether the provider accepted.
    public func revoke(token: String, hint: String, provider: Provider, client: ClientCredentials, fields: [String: String]) async -> Bool {
        guard let settings = provider.oauth, let template = settings.revocationURL, let url = try? Self.render(template, fields) else { return false }
        let (form, headers) = Self.authenticate([("token", token), ("token_type_hint", hint)], settings: settings, client: client)
        let publicOnly = settings.discovered || URLTemplateHost.isFilledFromValues(template)
        guard let response = try? await http.postForm(url: url, form: form, headers: headers, publicAddressOnly: publicOnly) else { return false }
        return (200..<300).contains(response.status)
    }

    /// Posts a token request to `endpoint` (a URL template), by default the token endpoint.
    private func request(_ base: [(String, String)], provider: Provider, client: ClientCredentials, fields: [String: String],
                         endpoint: String? = nil) async throws(TokenEndpointError) -> OAuthTokens {
        guard let settings = provider.oauth else { throw .permanent(code: "not_an_oauth_provider") }
        let template = endpoint ?? settings.tokenURL
        let url: String
        do { url = try Self.render(template, fields) } catch { throw .permanent(code: "token_url_needs_fields") }
        var form = base
        for (name, value) in settings.tokenParams.sorted(by: { $0.key < $1.key }) {
            // A value may take a non-secret field (Zoom's account_id); a parameter of the grant's own (a
            // client-credentials provider's grant_type) is replaced, not sent twice.
            let rendered: String
            do { rendered = try Self.render(value, fields) } catch { throw .permanent(code: "token_params_need_fields") }
            if let index = form.firstIndex(where: { $0.0 == name }) { form[index] = (name, rendered) } else { form.append((name, rendered)) }
        }
        let (authenticated, headers) = Self.authenticate(form, settings: settings, client: client)
        let response: TokenHTTPResponse
        do {
            response = try await http.postForm(url: url, form: authenticated, headers: headers, publicAddressOnly: settings.discovered || URLTemplateHost.isFilledFromValues(template))
        } catch LatchkeyError.upstreamForbidden {
            // The credential's host is not a public address: retrying cannot help, the credential must be fixed.
            throw .permanent(code: "token_url_not_public")
        } catch {
            throw .transient(reason: "token endpoint unreachable or too slow")
        }
        return try TokenResponseParser.parse(status: response.status, contentType: response.contentType, body: response.body, settings: settings)
    }

    /// Adds client authentication: HTTP basic (RFC 6749 §2.3.1, form-encoded parts) or form parameters; and the
    /// provider's own token request headers (`auth.token_headers`).
    static func authenticate(_ form: [(String, String)], settings: OAuthSettings, client: ClientCredentials) -> ([(String, String)], [(String, String)]) {
        var headers = [("Accept", "application/json")] + settings.tokenHeaders.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        switch settings.tokenEndpointAuth {
        case .clientSecretBasic:
            let pair = formEncode(client.clientID) + ":" + formEncode(client.clientSecret)
            headers.append(("Authorization", "Basic " + Data(pair.utf8).base64EncodedString()))
            return (form, headers)
        case .clientSecretPost:
            return (form + [("client_id", client.clientID), ("client_secret", client.clientSecret)], headers)
        case .none:
            return (form + [("client_id", client.clientID)], headers)
        }
    }

    /// Renders an endpoint template with a credential's non-secret fields.
    public static func render(_ text: String, _ fields: [String: String]) throws -> String {
        guard text.contains("{{") else { return text }
        let template = try Template(text)
        return try template.render(fields) { name, value in
            guard !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
                throw LatchkeyError.validationFailed(field: "fields.\(name)", message: "'\(name)' may hold only letters, digits, '-', '_' and '.'")
            }
            return value
        }
    }

    /// `application/x-www-form-urlencoded` encoding of one component: unreserved ASCII as is, every other byte as %XX.
    public static func formEncode(_ text: String) -> String {
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
