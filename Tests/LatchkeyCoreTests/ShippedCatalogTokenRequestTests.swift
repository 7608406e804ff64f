import Foundation
import Testing
@testable import LatchkeyCore

/// The exact token, refresh and revocation requests Latchkey sends for the shipped providers whose OAuth quirks
/// issue 17 updated, checked against each provider's current documentation.
@Suite struct ShippedCatalogTokenRequestTests {
    /// Records every request and answers like a token endpoint that rotates the refresh token.
    final class Recorder: TokenHTTPClient, @unchecked Sendable {
        // Safe: each test awaits its one request before reading.
        var requests: [(url: String, form: [String: String], headers: [String: String])] = []

        func postForm(url: String, form: [(String, String)], headers: [(String, String)]) async throws -> TokenHTTPResponse {
            requests.append((url, Dictionary(form, uniquingKeysWith: { $1 }), Dictionary(headers, uniquingKeysWith: { $1 })))
            let body = #"{"access_token":"at-2","refresh_token":"rt-2","expires_in":3600,"token_type":"bearer"}"#
            return TokenHTTPResponse(status: 200, contentType: "application/json", body: Data(body.utf8))
        }
    }

    enum Step: String, Sendable { case exchange, refresh, revoke }

    struct Case: Sendable, CustomStringConvertible {
        let provider: String
        let step: Step
        let fields: [String: String]
        let url: String
        let form: [String: String]
        let headers: [String: String]
        var description: String { "\(provider) \(step.rawValue)" }
    }

    static let client = ClientCredentials(clientID: "cid", clientSecret: "csecret")
    static let basic = "Basic " + Data("cid:csecret".utf8).base64EncodedString()
    static let reddit = "server:latchkey-credential-broker:1.0 (Latchkey OAuth client)"
    static let post = ["client_id": "cid", "client_secret": "csecret"]

    static let cases: [Case] = [
        // https://developers.hubspot.com/changelog/v1-oauth-api-deprecation: the dated 2026-03 OAuth API
        Case(provider: "hubspot", step: .exchange, fields: [:], url: "https://api.hubapi.com/oauth/2026-03/token",
             form: post.merging(["grant_type": "authorization_code", "code": "c0de", "redirect_uri": "https://lk.example/oauth/callback"]) { $1 },
             headers: ["Accept": "application/json"]),
        Case(provider: "hubspot", step: .refresh, fields: [:], url: "https://api.hubapi.com/oauth/2026-03/token",
             form: post.merging(["grant_type": "refresh_token", "refresh_token": "rt-1"]) { $1 }, headers: ["Accept": "application/json"]),
        Case(provider: "hubspot", step: .revoke, fields: [:], url: "https://api.hubapi.com/oauth/2026-03/token/revoke",
             form: post.merging(["token": "rt-1", "token_type_hint": "refresh_token"]) { $1 }, headers: ["Accept": "application/json"]),
        // https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens: expiring=1
        Case(provider: "shopify", step: .exchange, fields: ["shop": "acme"], url: "https://acme.myshopify.com/admin/oauth/access_token",
             form: post.merging(["grant_type": "authorization_code", "code": "c0de", "redirect_uri": "https://lk.example/oauth/callback", "expiring": "1"]) { $1 },
             headers: ["Accept": "application/json"]),
        Case(provider: "shopify", step: .refresh, fields: ["shop": "acme"], url: "https://acme.myshopify.com/admin/oauth/access_token",
             form: post.merging(["grant_type": "refresh_token", "refresh_token": "rt-1", "expiring": "1"]) { $1 }, headers: ["Accept": "application/json"]),
        // https://github.com/reddit-archive/reddit/wiki/API: a descriptive User-Agent on every request, token requests included
        Case(provider: "reddit", step: .exchange, fields: [:], url: "https://www.reddit.com/api/v1/access_token",
             form: ["grant_type": "authorization_code", "code": "c0de", "redirect_uri": "https://lk.example/oauth/callback"],
             headers: ["Accept": "application/json", "Authorization": basic, "User-Agent": reddit]),
        Case(provider: "reddit", step: .refresh, fields: [:], url: "https://www.reddit.com/api/v1/access_token",
             form: ["grant_type": "refresh_token", "refresh_token": "rt-1"], headers: ["Accept": "application/json", "Authorization": basic, "User-Agent": reddit]),
        Case(provider: "reddit", step: .revoke, fields: [:], url: "https://www.reddit.com/api/v1/revoke_token",
             form: ["token": "rt-1", "token_type_hint": "refresh_token"], headers: ["Accept": "application/json", "Authorization": basic, "User-Agent": reddit]),
        // https://developers.notion.com/reference/revoke-token: HTTP Basic and a Notion-Version header
        Case(provider: "notion", step: .revoke, fields: [:], url: "https://api.notion.com/v1/oauth/revoke",
             form: ["token": "rt-1", "token_type_hint": "refresh_token"], headers: ["Accept": "application/json", "Authorization": basic, "Notion-Version": "2026-03-11"]),
    ]

    let catalog: Catalog

    init() throws {
        catalog = try ShippedCatalog.load()
    }

    @Test(arguments: cases)
    func latchkeySendsWhatTheProviderDocuments(_ c: Case) async throws {
        let provider = try #require(catalog.provider(c.provider))
        let recorder = Recorder()
        let requester = TokenRequester(http: recorder)
        switch c.step {
        case .exchange:
            let tokens = try await requester.exchange(code: "c0de", verifier: nil, redirectURI: "https://lk.example/oauth/callback", provider: provider, client: Self.client, fields: c.fields)
            #expect(tokens.refreshToken == "rt-2")
        case .refresh:
            // A rotating provider's new refresh token is what the credential keeps.
            let tokens = try await requester.refresh(refreshToken: "rt-1", provider: provider, client: Self.client, fields: c.fields)
            #expect(tokens.refreshToken == "rt-2" && tokens.expiresIn == 3600)
        case .revoke:
            #expect(await requester.revoke(token: "rt-1", hint: "refresh_token", provider: provider, client: Self.client, fields: c.fields))
        }
        let sent = try #require(recorder.requests.first)
        #expect(recorder.requests.count == 1)
        #expect(sent.url == c.url)
        #expect(sent.form == c.form)
        #expect(sent.headers == c.headers)
    }

    @Test func staleEntriesAreGone() throws {
        let spotify = try #require(catalog.provider("spotify"))
        #expect(spotify.tools.first { $0.name == "add_to_playlist" }?.path == "/playlists/{playlist_id}/items")
        let xero = try #require(catalog.provider("xero")?.oauth?.scopes)
        #expect(!xero.contains("accounting.transactions") && !xero.contains("accounting.reports.read"))
        #expect(xero.contains("accounting.invoices") && xero.contains("accounting.reports.profitandloss.read"))
        #expect(catalog.provider("shopify")?.oauth?.defaultTokenTTL == 3600)
    }

    @Test(arguments: ["Authorization", "accept", "Host"])
    func tokenHeadersMayNotSetWhatLatchkeySetsItself(_ name: String) throws {
        let text = "name: T\ndocs: https://example.com/docs\nauth:\n  mode: oauth2\n  authorization_url: https://auth.example.com/authorize\n  token_url: https://auth.example.com/token\n  token_headers: {\(name): x}\nproxy:\n  base_url: https://api.example.com\n"
        let error = try #require(throws: CatalogError.self) { try ProxyDefaultsTests.load(["t.yaml": text]) }
        #expect(error.issues.map(\.keyPath) == ["auth.token_headers.\(name)"])
    }

    @Test func tokenHeadersBelongToOAuthModesOnly() throws {
        let text = "name: T\ndocs: https://example.com/docs\nauth:\n  mode: api_key\n  token_headers: {User-Agent: x}\nproxy:\n  base_url: https://api.example.com\n  inject: {headers: {X-Key: \"{{api_key}}\"}}\n"
        let error = try #require(throws: CatalogError.self) { try ProxyDefaultsTests.load(["t.yaml": text]) }
        #expect(error.issues.map(\.keyPath) == ["auth.token_headers"])
    }
}
