import Foundation
import HTTPTypes
import HummingbirdTesting
import LatchkeyCore
import LatchkeyTestSupport
import Testing
@testable import LatchkeyServer

/// OAuth tokens answered from the access cache: at the speed of static keys, never after this process replaced them.
extension RefreshEngineTests {
    /// A group bound to the imported OAuth credential, its agent key, and the agent's calls as the upstream saw them.
    func withBoundAgent(_ body: @Sendable @escaping (Setup, any TestClientProtocol, String, Recorder) async throws -> Void) async throws {
        let recorder = Recorder()
        try await Upstream.application(recorder: recorder).test(.live) { upstream in
            // A cache time no loaded test machine outlasts: what is forgotten here is forgotten by invalidation.
            let s = try await setup(upstreamPort: try #require(upstream.port), accessCacheMilliseconds: 60_000)
            try await s.env.live { client in
                let token = "Bearer " + (try await s.runtime.users.createToken(email: "admin@example.com", name: "t"))
                let group = try #require(try await client.call(.post, "/api/v1/groups", auth: token, json: #"{"name":"g"}"#)["id"] as? String)
                let key = try #require(try await client.call(.post, "/api/v1/groups/\(group)/keys", auth: token)["key"] as? String)
                _ = try await client.call(.put, "/api/v1/groups/\(group)/bindings/fakeoauth", auth: token, json: #"{"credential_id":"\#(s.credentialID)"}"#)
                try await body(s, client, key, recorder)
            }
        }
    }

    func tokensSeen(_ recorder: Recorder) async -> [String?] {
        await recorder.requests.filter { $0.uri.hasSuffix("/items") }.map { $0.headers[.authorization] }
    }

    @Test func anOAuthTokenIsRememberedButNeverServedAfterTheRefresherReplacedIt() async throws {
        try await withBoundAgent { s, client, key, recorder async throws in
            #expect(try await client.call(.get, "/v1/proxy/fakeoauth/items", auth: "Bearer \(key)").status == .ok)
            #expect(s.runtime.agents.cachedAccess(bearer: key, providerID: "fakeoauth") != nil, "an OAuth resolution is remembered like a static one")
            _ = try await s.runtime.refresher.refreshNow(credentialID: s.credentialID)
            #expect(s.runtime.agents.cachedAccess(bearer: key, providerID: "fakeoauth") == nil, "the refresh forgot the old token")
            #expect(try await client.call(.get, "/v1/proxy/fakeoauth/items", auth: "Bearer \(key)").status == .ok)
            #expect(try await client.call(.get, "/v1/proxy/fakeoauth/items", auth: "Bearer \(key)").status == .ok)
            #expect(await tokensSeen(recorder) == ["Bearer a-initial", "Bearer a0", "Bearer a0"])
        }
    }

    @Test func aRememberedTokenThatFallsDueGoesToTheRefresherNotTheAgent() async throws {
        try await withBoundAgent { s, client, key, recorder async throws in
            #expect(try await client.call(.get, "/v1/proxy/fakeoauth/items", auth: "Bearer \(key)").status == .ok)
            #expect(s.endpoint.count == 0)
            s.clock.advance(3500)  // inside the refresh window of a token that lives an hour
            #expect(s.runtime.agents.cachedAccess(bearer: key, providerID: "fakeoauth") == nil)
            #expect(try await client.call(.get, "/v1/proxy/fakeoauth/items", auth: "Bearer \(key)").status == .ok)
            #expect(s.endpoint.count == 1)
            #expect(await tokensSeen(recorder) == ["Bearer a-initial", "Bearer a0"])
        }
    }

    @Test func aCredentialNeedingConsentIsForgottenAtOnce() async throws {
        try await withBoundAgent { s, client, key, _ async throws in
            #expect(try await client.call(.get, "/v1/proxy/fakeoauth/items", auth: "Bearer \(key)").status == .ok)
            s.endpoint.answer { _, _ in ScriptedTokenEndpoint.json(400, #"{"error":"invalid_grant"}"#) }
            _ = try await s.runtime.refresher.refreshNow(credentialID: s.credentialID)
            #expect(s.runtime.agents.cachedAccess(bearer: key, providerID: "fakeoauth") == nil)
            let refused = try await client.call(.get, "/v1/proxy/fakeoauth/items", auth: "Bearer \(key)")
            #expect(refused.status.code == 424, "\(refused.text)")
            #expect(refused.text.contains(#""code":"credential_needs_reauth""#), "\(refused.text)")
        }
    }
}
