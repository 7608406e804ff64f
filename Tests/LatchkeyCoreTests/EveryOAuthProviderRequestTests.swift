import Foundation
import Testing
@testable import LatchkeyCore

/// Every OAuth provider of the shipped catalog, one row each: the code exchange, the renewal (refresh, access-token
/// exchange or client-credentials grant) and an injected call are the requests its file declares — its endpoint,
/// client authentication, `token_params`, `token_headers` — and the token reaches the provider and nowhere else.
/// The exact requests of providers with documented quirks are pinned in `ShippedCatalogTokenRequestTests`.
@Suite struct EveryOAuthProviderRequestTests {
    static let catalog: Catalog? = try? ShippedCatalog.load()
    /// The providers whose endpoints are written in their files (discovered ones have none until connect).
    static let ids: [String] = (catalog?.providers.values ?? [:].values)
        .filter { $0.oauth.map { !$0.discovered } ?? false }.map(\.id).sorted()

    static let client = ClientCredentials(clientID: "cid", clientSecret: "csecret")
    static let token = "at-0123456789abcdef"

    @Test func theCatalogHasManyOAuthProviders() {
        #expect(Self.ids.count > 150)
    }

    @Test(arguments: ids)
    func tokenRequestsFollowTheFile(_ id: String) async throws {
        let provider = try #require(Self.catalog?.provider(id))
        let settings = try #require(provider.oauth)
        let fields = Self.sampleFields(provider)
        let recorder = ShippedCatalogTokenRequestTests.Recorder()
        let requester = TokenRequester(http: recorder)

        var expected: [(url: String, grant: [String: String])] = []
        if provider.authMode == .oauth2 {
            _ = try await requester.exchange(code: "c0de", verifier: "v3rifier", redirectURI: "https://lk.example/oauth/callback", provider: provider, client: Self.client, fields: fields)
            expected.append((settings.tokenURL, ["grant_type": "authorization_code", "code": "c0de", "redirect_uri": "https://lk.example/oauth/callback", "code_verifier": "v3rifier"]))
            switch settings.refreshGrant {
            case .refreshToken:
                _ = try await requester.refresh(refreshToken: "rt-1", provider: provider, client: Self.client, fields: fields)
                expected.append((settings.refreshURL ?? settings.tokenURL, ["grant_type": "refresh_token", "refresh_token": "rt-1"]))
            case .exchange(let grantType, let tokenParam):
                _ = try await requester.exchangeAccessToken(Self.token, provider: provider, client: Self.client, fields: fields)
                expected.append((settings.refreshURL ?? settings.tokenURL, ["grant_type": grantType, tokenParam: Self.token]))
            }
        } else {
            _ = try await requester.clientCredentials(provider: provider, client: Self.client, fields: fields)
            expected.append((settings.tokenURL, ["grant_type": "client_credentials"]))
        }

        #expect(recorder.requests.count == expected.count)
        for (sent, want) in zip(recorder.requests, expected) {
            #expect(sent.url == (try TokenRequester.render(want.url, fields)), "\(id): the endpoint")
            #expect(sent.url.hasPrefix("https://"), "\(id): \(sent.url)")
            #expect(sent.headers["Accept"] == "application/json", "\(id)")
            for (name, value) in settings.tokenHeaders { #expect(sent.headers[name] == value, "\(id): token header \(name)") }
            // The file's token_params go on every token request and may replace a grant's own parameter.
            let params = try settings.tokenParams.mapValues { try TokenRequester.render($0, fields) }
            for (name, value) in want.grant.merging(params, uniquingKeysWith: { $1 }) {
                #expect(sent.form[name] == value, "\(id): form \(name)")
            }
            switch settings.tokenEndpointAuth {
            case .clientSecretPost:
                #expect(sent.form["client_id"] == "cid" && sent.form["client_secret"] == "csecret" && sent.headers["Authorization"] == nil, "\(id)")
            case .clientSecretBasic:
                #expect(sent.headers["Authorization"] == "Basic " + Data("cid:csecret".utf8).base64EncodedString(), "\(id)")
                #expect(sent.form["client_secret"] == nil, "\(id): the secret goes in the header only")
            case .none:
                #expect(sent.form["client_id"] == "cid" && sent.form["client_secret"] == nil && sent.headers["Authorization"] == nil, "\(id)")
            }
        }
    }

    @Test(arguments: ids)
    func theInjectedCallCarriesTheTokenToTheProviderOnly(_ id: String) throws {
        let provider = try #require(Self.catalog?.provider(id))
        var values = Self.sampleFields(provider)
        values["access_token"] = Self.token
        let out = try RequestInjector.build(provider: provider, values: values, rawPath: "/v0/probe", rawQuery: nil)
        #expect(out.url.hasPrefix("https://"), "\(id): \(out.url)")
        let carried = out.injectedHeaders.contains { $0.value.contains(Self.token) } || out.url.contains(Self.token)
        #expect(carried, "\(id): the access token is not on the request")
        #expect(out.injectedValues.contains(Self.token), "\(id): the scrubber must know the token")
        // The token goes under the provider's own base URL, never into the path the agent chose.
        let base = try RequestInjector.baseURL(of: provider, values: values)
        #expect(out.url.hasPrefix(base.origin), "\(id)")
    }

    /// A value for every field, token field and connect value the provider's templates may use: an https origin where
    /// a template starts with it (Salesforce's `{{instance_url}}`), a host label elsewhere.
    static func sampleFields(_ provider: Provider) -> [String: String] {
        let settings = provider.oauth
        let templates = [settings?.tokenURL, settings?.refreshURL, settings?.authorizationURL, provider.baseURL.source].compactMap { $0 }
        var fields: [String: String] = [:]
        for name in provider.availableVariables where name != "access_token" {
            let wholeOrigin = templates.contains { $0.hasPrefix("{{\(name)}}") }
            fields[name] = wholeOrigin ? "https://acme1.example.com" : "acme1"
        }
        return fields
    }
}
