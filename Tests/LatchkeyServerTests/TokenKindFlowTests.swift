import Foundation
import LatchkeyCore
import LatchkeyTestSupport
import Testing
@testable import LatchkeyServer

/// Connect and refresh of the provider kinds that do not renew with a plain refresh token at the token endpoint:
/// Meta's token exchange, and Slack user tokens (scopes in `user_scope`, the token nested in the code exchange
/// but not in the refresh, a refresh endpoint of its own).
@Suite struct TokenKindFlowTests {
    struct Setup {
        let env: TestEnvironment
        let clock: TestClock
        let endpoint: ScriptedTokenEndpoint
        let owner: User
        var runtime: LatchkeyRuntime { env.runtime }

        /// Starts a flow for `provider` in a browser and returns the consent URL's query and the browser binding.
        func start(_ provider: String) async throws -> (query: [String: String], binding: Data) {
            let binding = Data(UUID().uuidString.utf8)
            let (url, _) = try await runtime.oauthFlow.start(user: owner, ConsentRequest(provider: provider, name: "mine"), browserBinding: binding)
            let items = try #require(URLComponents(string: url)?.queryItems)
            return (Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 }), binding)
        }

        /// Starts and completes a flow; returns the new credential.
        func connect(_ provider: String) async throws -> Credential {
            let (query, binding) = try await start(provider)
            let state = try #require(query["state"])
            return try await runtime.oauthFlow.complete(state: state, code: "the-code", error: nil, browserBinding: binding, signedInUserID: owner.id).credential
        }

        func accessToken(_ id: String) async throws -> String? {
            let credential = try #require(try await runtime.store.credential(id: id))
            return try await runtime.credentials.values(of: credential)["access_token"]
        }
    }

    func setup(_ script: @escaping ScriptedTokenEndpoint.Script) async throws -> Setup {
        let clock = TestClock()
        let endpoint = ScriptedTokenEndpoint(script)
        let env = try await TestEnvironment(tokenHTTP: endpoint, clock: clock)
        let owner = try await env.runtime.users.add(email: "admin@example.com", password: "correct horse battery", role: .admin)
        for provider in ["fakemeta", "fakeslack-user"] {
            _ = try await env.runtime.oauthApps.put(by: owner, provider: provider, clientID: "app-\(provider)", clientSecret: "secret-\(provider)")
        }
        return Setup(env: env, clock: clock, endpoint: endpoint, owner: owner)
    }

    @Test func metaExchangesTheShortLivedTokenAtConnectAndAgainBeforeTheLongLivedOneExpires() async throws {
        let s = try await setup { n, form in
            if form["grant_type"] == "authorization_code" { return ScriptedTokenEndpoint.json(200, #"{"access_token":"short","token_type":"bearer","expires_in":5400}"#) }
            return ScriptedTokenEndpoint.json(200, #"{"access_token":"long\#(n)","token_type":"bearer","expires_in":5184000}"#)
        }
        let credential = try await s.connect("fakemeta")
        #expect(s.endpoint.calls.map(\.url) == ["http://127.0.0.1:9/oauth/access_token", "http://127.0.0.1:9/oauth/access_token"])
        #expect(s.endpoint.calls[0].form == ["grant_type": "authorization_code", "code": "the-code", "redirect_uri": "http://latchkey.test/oauth/callback",
                                             "client_id": "app-fakemeta", "client_secret": "secret-fakemeta"])
        #expect(s.endpoint.calls[1].form == ["grant_type": "fb_exchange_token", "fb_exchange_token": "short",
                                             "client_id": "app-fakemeta", "client_secret": "secret-fakemeta"])
        #expect(try await s.accessToken(credential.id) == "long1", "the long-lived token is kept, not the short-lived one")
        let expiresAt = try #require(credential.expiresAt)
        #expect(abs(expiresAt.timeIntervalSince(s.clock.now) - 5184000) < 5)
        #expect(credential.secrets["refresh_token"] == nil)

        // Not due 52 days from expiry; due within the 7-day window, and then the long-lived token itself is exchanged.
        #expect(try await s.runtime.refreshPass.run(within: nil, concurrency: 1).due == 0)
        s.clock.advance(5184000 - 3 * 86400)
        let report = try await s.runtime.refreshPass.run(within: nil, concurrency: 1)
        #expect(report.due == 1)
        #expect(s.endpoint.count == 3)
        #expect(s.endpoint.calls[2].form["grant_type"] == "fb_exchange_token")
        #expect(s.endpoint.calls[2].form["fb_exchange_token"] == "long1")
        #expect(s.endpoint.calls[2].form["refresh_token"] == nil)
        #expect(try await s.accessToken(credential.id) == "long2")
        #expect(try await s.runtime.store.credential(id: credential.id)?.status == .active)
    }

    @Test func aRefusedExchangeAtConnectStoresNothing() async throws {
        let s = try await setup { _, form in
            form["grant_type"] == "authorization_code" ? ScriptedTokenEndpoint.json(200, #"{"access_token":"short","expires_in":5400}"#)
                : ScriptedTokenEndpoint.json(400, #"{"error":{"message":"Invalid OAuth access token","type":"OAuthException","code":190}}"#)
        }
        await #expect(throws: OAuthFlowError.self) { _ = try await s.connect("fakemeta") }
        #expect(try await s.runtime.store.credentialCount(ownerID: s.owner.id) == 0)
    }

    @Test func slackUserTokensAskInUserScopeReadAuthedUserAndRefreshAtTheirOwnEndpoint() async throws {
        let s = try await setup { _, form in
            if form["grant_type"] == "authorization_code" {
                return ScriptedTokenEndpoint.json(200, #"""
                {"ok":true,"app_id":"A1","authed_user":{"id":"U1","scope":"chat:write,users:read","access_token":"xoxe.xoxp-user","token_type":"user",
                 "refresh_token":"xoxe-1-r0","expires_in":43200},"team":{"id":"T1"}}
                """#)
            }
            return ScriptedTokenEndpoint.json(200, #"{"ok":true,"access_token":"xoxe.xoxp-user2","refresh_token":"xoxe-1-r1","expires_in":43200,"token_type":"user","scope":"chat:write,users:read"}"#)
        }
        let (query, _) = try await s.start("fakeslack-user")
        #expect(query["user_scope"] == "chat:write,users:read")
        #expect(query["scope"] == nil, "a bot scope would make Slack issue a bot token")

        let credential = try await s.connect("fakeslack-user")
        #expect(try await s.accessToken(credential.id) == "xoxe.xoxp-user")
        #expect(credential.scopes == ["chat:write", "users:read"])
        #expect(credential.publicFields["oauth_client_id"] == "app-fakeslack-user", "the client id a template uses is kept")

        #expect(try await s.runtime.refresher.refreshNow(credentialID: credential.id) == .refreshed)
        let refresh = try #require(s.endpoint.calls.last)
        #expect(refresh.url == "http://127.0.0.1:9/api/oauth.v2.refresh")
        #expect(refresh.form["grant_type"] == "refresh_token")
        #expect(refresh.form["refresh_token"] == "xoxe-1-r0")
        #expect(try await s.accessToken(credential.id) == "xoxe.xoxp-user2", "the refresh answers the user token at the top level")
    }
}
