import Foundation
import HTTPTypes
import HummingbirdTesting
import LatchkeyCore
import LatchkeyTestSupport
import NIOCore
import Testing
@testable import LatchkeyServer

/// The refresh engine where it meets the HTTP API and the proxy. The engine on its own runs over the in-memory store in
/// LatchkeyCoreTests (`RefresherTests`).
@Suite struct RefreshEngineTests {
    /// A runtime with an admin, the fake providers' OAuth apps, and one imported credential expiring in `expiresIn`.
    struct Setup {
        let env: TestEnvironment
        let clock: TestClock
        let endpoint: ScriptedTokenEndpoint
        let owner: User
        let credentialID: String

        var runtime: LatchkeyRuntime { env.runtime }
        func credential() async throws -> Credential { try #require(try await runtime.store.credential(id: credentialID)) }
        func accessToken(_ credential: Credential) async throws -> String? { try await runtime.credentials.values(of: credential)["access_token"] }
    }

    func setup(upstreamPort: Int = 9, expiresIn: Int = 3600, script: @escaping ScriptedTokenEndpoint.Script = ScriptedTokenEndpoint.rotating,
               accessCacheMilliseconds: Int = 1000) async throws -> Setup {
        let clock = TestClock()
        let endpoint = ScriptedTokenEndpoint(script)
        let env = try await TestEnvironment(upstreamPort: upstreamPort, tokenHTTP: endpoint, clock: clock, accessCacheMilliseconds: accessCacheMilliseconds)
        let owner = try await env.runtime.users.add(email: "admin@example.com", password: "correct horse battery", role: .admin)
        _ = try await env.runtime.oauthApps.put(by: owner, provider: "fakeoauth", clientID: "client-1", clientSecret: "client-secret")
        _ = try await env.runtime.oauthApps.put(by: owner, provider: "fakeoauth-cc", clientID: "client-cc", clientSecret: "cc-secret")
        let view = try await env.runtime.credentials.create(owner: owner, provider: "fakeoauth", name: "imported",
                                                            fields: ["access_token": "a-initial", "refresh_token": "r-initial", "expires_in": "\(expiresIn)"])
        return Setup(env: env, clock: clock, endpoint: endpoint, owner: owner, credentialID: view.id)
    }

    @Test func clientCredentialsTokensAreFetchedWithTheAppAndReused() async throws {
        let s = try await setup { _, form in
            ScriptedTokenEndpoint.json(200, #"{"access_token":"cc-\#(form["client_id"] ?? "")","expires_in":3600}"#)
        }
        let before = s.endpoint.count
        try await s.env.live { client in
            let token = "Bearer " + (try await s.runtime.users.createToken(email: "admin@example.com", name: "t"))
            let created = try await client.call(.post, "/api/v1/credentials", auth: token, json: #"{"provider":"fakeoauth-cc","name":"service"}"#)
            #expect(created.status == .created, "\(created.text)")
            #expect(created["status"] as? String == "active")
            #expect(created["expires_at"] != nil)
        }
        #expect(s.endpoint.count == before + 1)
        #expect(s.endpoint.calls.last?.form["grant_type"] == "client_credentials")
        let credential = try #require(try await s.runtime.store.credentials(ownerID: s.owner.id).first { $0.provider == "fakeoauth-cc" })
        #expect(try await s.runtime.credentials.values(of: credential)["access_token"] == "cc-client-cc")
        _ = try await s.runtime.refresher.usable(credential, links: s.runtime.links)
        #expect(s.endpoint.count == before + 1, "a valid cached token is reused")
    }

    @Test func anUpstream401ForcesOneRefreshAndOneRetryWithTheSameBody() async throws {
        let recorder = Recorder()
        try await Upstream.application(recorder: recorder).test(.live) { upstream in
            let s = try await setup(upstreamPort: try #require(upstream.port))
            try await s.env.live { client in
                let token = "Bearer " + (try await s.runtime.users.createToken(email: "admin@example.com", name: "t"))
                let group = try #require(try await client.call(.post, "/api/v1/groups", auth: token, json: #"{"name":"g"}"#)["id"] as? String)
                let key = try #require(try await client.call(.post, "/api/v1/groups/\(group)/keys", auth: token)["key"] as? String)
                _ = try await client.call(.put, "/api/v1/groups/\(group)/bindings/fakeoauth", auth: token, json: #"{"credential_id":"\#(s.credentialID)"}"#)
                let reply = try await client.call(.post, "/v1/proxy/fakeoauth/strict", auth: "Bearer \(key)", json: #"{"n":42}"#)
                #expect(reply.status == .ok, "\(reply.text)")
                // A 401 on a newer token within 30 s of the forced refresh goes back to the agent as it is: no
                // loop, and no further refresh (the provider may refuse every token).
                s.endpoint.answer { n, _ in ScriptedTokenEndpoint.json(200, #"{"access_token":"never-right-\#(n)","expires_in":3600}"#) }
                _ = try await s.runtime.refresher.refreshNow(credentialID: s.credentialID)
                let refused = try await client.call(.get, "/v1/proxy/fakeoauth/strict", auth: "Bearer \(key)")
                #expect(refused.status == .unauthorized)
            }
            let strict = await recorder.requests.filter { $0.uri.hasSuffix("/strict") }
            #expect(strict.count == 3)
            #expect(strict.prefix(2).map { $0.headers[.authorization] } == ["Bearer a-initial", "Bearer a0"])
            #expect(strict.prefix(2).allSatisfy { String(decoding: $0.body, as: UTF8.self) == #"{"n":42}"# })
            #expect(s.endpoint.count == 2, "one forced refresh, plus the manual one; the later 401 forces none")
        }
    }
}
