import Foundation
import Synchronization
import Testing
@testable import LatchkeyCore

/// The exact token requests (code exchange, refresh or exchange) and injected calls of the shipped providers of the
/// newer kinds, checked against what each provider documents.
@Suite struct TokenKindRequestTests {
    let catalog: Catalog

    init() throws {
        catalog = try ShippedCatalog.load()
    }

    /// Records token requests and answers every one with a fixed token.
    final class Recorder: TokenHTTPClient, Sendable {
        struct Sent: Sendable {
            let url: String
            let pairs: [String]
            let form: [String: String]
            let headers: [String: String]
        }
        private let sent = Mutex<[Sent]>([])
        var last: Sent? { sent.withLock { $0.last } }

        func postForm(url: String, form: [(String, String)], headers: [(String, String)]) async throws -> TokenHTTPResponse {
            sent.withLock { $0.append(Sent(url: url, pairs: form.map { "\($0.0)=\($0.1)" }, form: Dictionary(form, uniquingKeysWith: { $1 }), headers: Dictionary(headers, uniquingKeysWith: { $1 }))) }
            return TokenHTTPResponse(status: 200, contentType: "application/json", body: Data(#"{"access_token":"new","expires_in":3600}"#.utf8))
        }
    }

    static let client = ClientCredentials(clientID: "cid", clientSecret: "csecret")
    static let basic = "Basic " + Data("cid:csecret".utf8).base64EncodedString()

    struct Case: Sendable, CustomStringConvertible {
        let provider: String
        /// Where a code is exchanged and where the token is renewed.
        let tokenURL: String, renewURL: String
        /// How the client authenticates: in HTTP Basic, or as form fields.
        let basicAuth: Bool
        /// The renewal's form beside the client's credentials.
        let renewForm: [String: String]
        var description: String { provider }
    }

    static let cases: [Case] = [
        // https://developers.figma.com/docs/rest-api/authentication/: refreshes at /v1/oauth/refresh, client in Basic
        Case(provider: "figma", tokenURL: "https://api.figma.com/v1/oauth/token", renewURL: "https://api.figma.com/v1/oauth/refresh", basicAuth: true,
             renewForm: ["grant_type": "refresh_token", "refresh_token": "old"]),
        // https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived: the token itself is exchanged
        Case(provider: "facebook", tokenURL: "https://graph.facebook.com/v24.0/oauth/access_token", renewURL: "https://graph.facebook.com/v24.0/oauth/access_token",
             basicAuth: false, renewForm: ["grant_type": "fb_exchange_token", "fb_exchange_token": "old"]),
        // The Instagram and WhatsApp children inherit Meta's exchange.
        Case(provider: "facebook-instagram", tokenURL: "https://graph.facebook.com/v24.0/oauth/access_token", renewURL: "https://graph.facebook.com/v24.0/oauth/access_token",
             basicAuth: false, renewForm: ["grant_type": "fb_exchange_token", "fb_exchange_token": "old"]),
        Case(provider: "facebook-whatsapp", tokenURL: "https://graph.facebook.com/v24.0/oauth/access_token", renewURL: "https://graph.facebook.com/v24.0/oauth/access_token",
             basicAuth: false, renewForm: ["grant_type": "fb_exchange_token", "fb_exchange_token": "old"]),
        // https://developers.strava.com/docs/authentication/: client id and secret in the form, rotating refresh tokens
        Case(provider: "strava", tokenURL: "https://www.strava.com/api/v3/oauth/token", renewURL: "https://www.strava.com/api/v3/oauth/token", basicAuth: false,
             renewForm: ["grant_type": "refresh_token", "refresh_token": "old"]),
        // https://dev.twitch.tv/docs/authentication/refresh-tokens/
        Case(provider: "twitch", tokenURL: "https://id.twitch.tv/oauth2/token", renewURL: "https://id.twitch.tv/oauth2/token", basicAuth: false,
             renewForm: ["grant_type": "refresh_token", "refresh_token": "old"]),
        // https://planetscale.com/docs/api/reference/oauth/create-token
        Case(provider: "planetscale", tokenURL: "https://auth.planetscale.com/oauth/token", renewURL: "https://auth.planetscale.com/oauth/token", basicAuth: false,
             renewForm: ["grant_type": "refresh_token", "refresh_token": "old"]),
        Case(provider: "pagerduty", tokenURL: "https://app.pagerduty.com/oauth/token", renewURL: "https://app.pagerduty.com/oauth/token", basicAuth: false,
             renewForm: ["grant_type": "refresh_token", "refresh_token": "old"]),
        // https://api.slack.com/authentication/rotation: a user token refreshes at oauth.v2.access like a bot token
        Case(provider: "slack-user", tokenURL: "https://slack.com/api/oauth.v2.access", renewURL: "https://slack.com/api/oauth.v2.access", basicAuth: false,
             renewForm: ["grant_type": "refresh_token", "refresh_token": "old"]),
    ]

    @Test(arguments: cases)
    func theCodeExchangeAndTheRenewalGoWhereTheProviderSays(_ c: Case) async throws {
        let provider = try #require(catalog.provider(c.provider))
        let http = Recorder()
        let requester = TokenRequester(http: http)
        let clientForm = c.basicAuth ? [:] : ["client_id": "cid", "client_secret": "csecret"]

        _ = try await requester.exchange(code: "c0de", verifier: nil, redirectURI: "https://lk.example.com/oauth/callback", provider: provider, client: Self.client, fields: [:])
        let exchange = try #require(http.last)
        #expect(exchange.url == c.tokenURL)
        #expect(exchange.form == ["grant_type": "authorization_code", "code": "c0de", "redirect_uri": "https://lk.example.com/oauth/callback"].merging(clientForm) { $1 })
        #expect(exchange.headers["Authorization"] == (c.basicAuth ? Self.basic : nil))

        if case .exchange = provider.oauth?.refreshGrant {
            _ = try await requester.exchangeAccessToken("old", provider: provider, client: Self.client, fields: [:])
        } else {
            _ = try await requester.refresh(refreshToken: "old", provider: provider, client: Self.client, fields: [:])
        }
        let renewal = try #require(http.last)
        #expect(renewal.url == c.renewURL)
        #expect(renewal.form == c.renewForm.merging(clientForm) { $1 })
        #expect(renewal.headers["Authorization"] == (c.basicAuth ? Self.basic : nil))
    }

    /// https://developers.zoom.us/docs/internal-apps/s2s-oauth/: grant_type=account_credentials&account_id=…, client in Basic.
    @Test func zoomServerToServerAsksWithItsOwnGrantAndTheAccountID() async throws {
        let provider = try #require(catalog.provider("zoom-cc"))
        let http = Recorder()
        _ = try await TokenRequester(http: http).clientCredentials(provider: provider, client: Self.client, fields: ["account_id": "AbC_12-x"])
        let sent = try #require(http.last)
        #expect(sent.url == "https://zoom.us/oauth/token")
        #expect(sent.pairs.sorted() == ["account_id=AbC_12-x", "grant_type=account_credentials"], "one grant_type, the provider's")
        #expect(sent.headers["Authorization"] == Self.basic)
        await #expect(throws: TokenEndpointError.permanent(code: "token_params_need_fields")) {
            _ = try await TokenRequester(http: http).clientCredentials(provider: provider, client: Self.client, fields: ["account_id": "a/../b"])
        }
    }

    @Test func aProviderWithoutATokenExchangeRefusesOne() async throws {
        let provider = try #require(catalog.provider("figma"))
        await #expect(throws: TokenEndpointError.permanent(code: "no_token_exchange")) {
            _ = try await TokenRequester(http: Recorder()).exchangeAccessToken("t", provider: provider, client: Self.client, fields: [:])
        }
    }

    @Test func slackUserScopesGoInUserScope() throws {
        #expect(catalog.provider("slack-user")?.oauth?.scopeParameter == "user_scope")
        #expect(catalog.provider("slack")?.oauth?.scopeParameter == "scope")
    }

    struct Call: Sendable, CustomStringConvertible {
        let provider: String
        let values: [String: String]
        let path: String
        let url: String
        let headers: [String: String]
        var description: String { provider }
    }

    static let calls: [Call] = [
        Call(provider: "figma", values: ["access_token": "figu_x"], path: "/v1/me", url: "https://api.figma.com/v1/me", headers: ["Authorization": "Bearer figu_x"]),
        Call(provider: "facebook", values: ["access_token": "EAAx"], path: "/me", url: "https://graph.facebook.com/v24.0/me", headers: ["Authorization": "Bearer EAAx"]),
        Call(provider: "facebook-whatsapp", values: ["access_token": "EAAw"], path: "/123/messages", url: "https://graph.facebook.com/v24.0/123/messages",
             headers: ["Authorization": "Bearer EAAw"]),
        Call(provider: "zoom-cc", values: ["access_token": "zm", "account_id": "AbC"], path: "/users", url: "https://api.zoom.us/v2/users", headers: ["Authorization": "Bearer zm"]),
        Call(provider: "strava", values: ["access_token": "s"], path: "/athlete", url: "https://www.strava.com/api/v3/athlete", headers: ["Authorization": "Bearer s"]),
        // https://dev.twitch.tv/docs/api/: Client-Id beside the bearer token, the client the token was issued to
        Call(provider: "twitch", values: ["access_token": "tw", "oauth_client_id": "cid"], path: "/users", url: "https://api.twitch.tv/helix/users",
             headers: ["Authorization": "Bearer tw", "Client-Id": "cid"]),
        Call(provider: "planetscale", values: ["access_token": "pscale_oauth_x"], path: "/organizations", url: "https://api.planetscale.com/v1/organizations",
             headers: ["Authorization": "Bearer pscale_oauth_x"]),
        Call(provider: "pagerduty", values: ["access_token": "pd"], path: "/incidents", url: "https://api.pagerduty.com/incidents",
             headers: ["Authorization": "Bearer pd", "Accept": "application/vnd.pagerduty+json;version=2"]),
        Call(provider: "slack-user", values: ["access_token": "xoxp-1"], path: "/users.list", url: "https://slack.com/api/users.list", headers: ["Authorization": "Bearer xoxp-1"]),
        Call(provider: "slack-bot-token", values: ["api_key": "xoxb-1-2-abc"], path: "/chat.postMessage", url: "https://slack.com/api/chat.postMessage",
             headers: ["Authorization": "Bearer xoxb-1-2-abc"]),
    ]

    @Test(arguments: calls)
    func theInjectedCallIsWhatTheProviderDocuments(_ c: Call) throws {
        let provider = try #require(catalog.provider(c.provider))
        let out = try RequestInjector.build(provider: provider, values: c.values, rawPath: c.path, rawQuery: nil)
        #expect(out.url == c.url)
        #expect(Dictionary((out.defaultHeaders + out.injectedHeaders).map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }) == c.headers)
    }

    @Test func aPastedSlackTokenMustBeABotToken() throws {
        let provider = try #require(catalog.provider("slack-bot-token"))
        #expect(throws: LatchkeyError.self) { try FieldValidator.validate(["api_key": "xoxp-user-token"], for: provider, partial: false) }
        #expect(throws: Never.self) { try FieldValidator.validate(["api_key": "xoxb-123-456-abcDEF"], for: provider, partial: false) }
    }
}
