import Foundation
import HTTPTypes
import HummingbirdTesting
import LatchkeyCore
import NIOCore
import Testing
@testable import LatchkeyServer

@Suite struct RefreshEngineTests {
    /// A runtime with an admin, the fake provider's OAuth app, and one imported credential expiring in `expiresIn`.
    struct Setup {
        let env: TestEnvironment
        let clock: TestClock
        let endpoint: ScriptedTokenEndpoint
        let owner: User
        let credentialID: String

        var runtime: LatchkeyRuntime { env.runtime }
        func credential() async throws -> Credential { try #require(try await runtime.store.credential(id: credentialID)) }
        func usable(after401Version: Int? = nil) async throws -> Credential {
            try await runtime.refresher.usable(try await credential(), links: runtime.links, after401Version: after401Version)
        }
        func accessToken(_ credential: Credential) async throws -> String? { try await runtime.credentials.values(of: credential)["access_token"] }
    }

    func setup(upstreamPort: Int = 9, expiresIn: Int = 3600, script: @escaping ScriptedTokenEndpoint.Script = ScriptedTokenEndpoint.rotating) async throws -> Setup {
        let clock = TestClock()
        let endpoint = ScriptedTokenEndpoint(script)
        let env = try await TestEnvironment(upstreamPort: upstreamPort, tokenHTTP: endpoint, clock: clock)
        let owner = try await env.runtime.users.add(email: "admin@example.com", password: "correct horse battery", role: .admin)
        _ = try await env.runtime.oauthApps.put(by: owner, provider: "fakeoauth", clientID: "client-1", clientSecret: "client-secret")
        _ = try await env.runtime.oauthApps.put(by: owner, provider: "fakeoauth-cc", clientID: "client-cc", clientSecret: "cc-secret")
        let view = try await env.runtime.credentials.create(owner: owner, provider: "fakeoauth", name: "imported",
                                                            fields: ["access_token": "a-initial", "refresh_token": "r-initial", "expires_in": "\(expiresIn)"])
        return Setup(env: env, clock: clock, endpoint: endpoint, owner: owner, credentialID: view.id)
    }

    @Test func fiftyConcurrentCallsOnAnExpiredTokenCauseExactlyOneRefresh() async throws {
        let s = try await setup { n, _ in
            try await Task.sleep(for: .milliseconds(200))
            return ScriptedTokenEndpoint.json(200, #"{"access_token":"a\#(n)","refresh_token":"r\#(n)","expires_in":3600}"#)
        }
        s.clock.advance(4000)
        let tokens = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<50 { group.addTask { try await s.accessToken(try await s.usable()) } }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(s.endpoint.count == 1)
        #expect(Set(tokens) == ["a0"])
    }

    @Test func aPassAndAnAgentCallInOneProcessRefreshOnce() async throws {
        let s = try await setup { n, _ in
            try await Task.sleep(for: .milliseconds(300))
            return ScriptedTokenEndpoint.json(200, #"{"access_token":"a\#(n)","refresh_token":"r\#(n)","expires_in":3600}"#)
        }
        s.clock.advance(4000)
        async let pass = s.runtime.refreshPass.run(within: nil, concurrency: 4)
        async let call = s.usable()
        let (report, used) = try await (pass, call)
        #expect(s.endpoint.count == 1, "the refresh token must be spent once")
        #expect(try await s.accessToken(used) == "a0")
        #expect(report.due == 1)
        #expect(try await s.credential().status == .active)
    }

    @Test func twoProcessesOnOneDatabaseRefreshOnceThroughTheLease() async throws {
        let s = try await setup { n, _ in
            try await Task.sleep(for: .milliseconds(300))
            return ScriptedTokenEndpoint.json(200, #"{"access_token":"a\#(n)","refresh_token":"r\#(n)","expires_in":3600}"#)
        }
        // A second process: its own refresher (own single-flight group and lease owner) over the same database.
        let other = Refresher(store: s.runtime.store, catalog: s.runtime.catalog, sealer: s.runtime.sealer,
                              requester: TokenRequester(http: s.endpoint), clock: s.clock)
        #expect(other.owner != s.runtime.refresher.owner)
        s.clock.advance(4000)
        let stale = try await s.credential()
        let versions = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<40 {
                let refresher = i.isMultiple(of: 2) ? s.runtime.refresher : other
                group.addTask { try await refresher.usable(stale, links: s.runtime.links).version }
            }
            return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
        }
        #expect(s.endpoint.count == 1)
        #expect(versions == [stale.version + 1])
    }

    @Test func aRotatedRefreshTokenIsUsedNextAndAResponseWithoutOneKeepsTheOld() async throws {
        let s = try await setup { n, _ in
            n == 0 ? ScriptedTokenEndpoint.json(200, #"{"access_token":"a0","refresh_token":"r0","expires_in":3600}"#)
                   : ScriptedTokenEndpoint.json(200, #"{"access_token":"a\#(n)","expires_in":3600}"#)
        }
        for _ in 0..<3 { #expect(try await s.runtime.refresher.refreshNow(credentialID: s.credentialID) == .refreshed) }
        #expect(s.endpoint.calls.map { $0.form["refresh_token"] } == ["r-initial", "r0", "r0"])
        #expect(s.endpoint.calls.allSatisfy { $0.form["grant_type"] == "refresh_token" && $0.form["client_id"] == "client-1" && $0.form["client_secret"] == "client-secret" })
        #expect(try await s.accessToken(try await s.credential()) == "a2")
    }

    @Test func aRevokedGrantMarksNeedsReauthAndStopsFurtherAttempts() async throws {
        let s = try await setup { _, _ in ScriptedTokenEndpoint.json(400, #"{"error":"invalid_grant","error_description":"Token has been revoked"}"#) }
        s.clock.advance(4000)
        await #expect(throws: LatchkeyError.credentialNeedsReauth(provider: "fakeoauth", setupURL: "http://latchkey.test/credentials/\(s.credentialID)/reconnect")) {
            _ = try await s.usable()
        }
        let stored = try await s.credential()
        #expect(stored.status == .needsReauth)
        #expect(stored.statusReason == "invalid_grant")
        await #expect(throws: LatchkeyError.self) { _ = try await s.usable() }
        let report = try await s.runtime.refreshPass.run(within: nil, concurrency: 4)
        #expect(report.due == 0)
        #expect(s.endpoint.count == 1, "no further attempt after a permanent error")
        let warnings = try await s.runtime.warnings.warnings(owner: s.owner)
        #expect(warnings.contains { $0.kind == "credential_needs_reauth" && $0.credentialID == s.credentialID && $0.setupURL.hasSuffix("/reconnect") })
        let audit = try await s.runtime.store.auditEvents(ownerID: s.owner.id, limit: 10, before: nil)
        #expect(audit.contains { $0.action == "credential.needs_reauth" && $0.detail["reason"] == "invalid_grant" })
    }

    @Test func transientFailuresKeepTheValidTokenThenShowRefreshFailingThenRecover() async throws {
        let s = try await setup(expiresIn: 200) { _, _ in ScriptedTokenEndpoint.json(503, "unavailable") }
        for attempt in 1...3 {
            let used = try await s.usable()
            #expect(try await s.accessToken(used) == "a-initial", "attempt \(attempt) still serves the valid token")
            let stored = try await s.credential()
            #expect(stored.refreshFailures == attempt)
            #expect(stored.status == (attempt >= 3 ? .refreshFailing : .active))
            let next = try #require(stored.nextRefreshAt)
            #expect(next > s.clock.now)
            #expect(try await s.usable().version == stored.version, "backing off: no attempt before nextRefreshAt")
            #expect(s.endpoint.count == attempt)
            s.clock.advance(next.timeIntervalSince(s.clock.now) + 0.1)
        }
        #expect(try await s.runtime.warnings.warnings(owner: s.owner).contains { $0.kind == "refresh_failing" })
        s.endpoint.answer(with: ScriptedTokenEndpoint.rotating)
        let recovered = try await s.usable()
        #expect(recovered.status == .active)
        #expect(recovered.refreshFailures == 0)
        #expect(try await s.accessToken(recovered) == "a3")
    }

    @Test func anExpiredTokenWhoseRefreshFailsAnswersRefreshFailedAndBacksOff() async throws {
        let s = try await setup { _, _ in throw URLError(.timedOut) }
        s.clock.advance(4000)
        await #expect(throws: LatchkeyError.refreshFailed(provider: "fakeoauth")) { _ = try await s.usable() }
        await #expect(throws: LatchkeyError.refreshFailed(provider: "fakeoauth")) { _ = try await s.usable() }
        #expect(s.endpoint.count == 1)
        #expect(try await s.credential().statusReason == "token endpoint unreachable or too slow")
    }

    @Test func aMissingExpiresInFallsBackToTheProvidersDefaultTTL() async throws {
        let s = try await setup { _, _ in ScriptedTokenEndpoint.json(200, #"{"access_token":"no-expiry"}"#) }
        let before = s.clock.now
        #expect(try await s.runtime.refresher.refreshNow(credentialID: s.credentialID) == .refreshed)
        let stored = try await s.credential()
        #expect(abs((stored.expiresAt ?? .distantPast).timeIntervalSince(before.addingTimeInterval(1800))) < 0.01)
        #expect(try await s.runtime.credentials.values(of: stored)["refresh_token"] == "r-initial")
    }

    @Test func aFormEncodedResponseIsAccepted() async throws {
        let s = try await setup { _, _ in
            TokenHTTPResponse(status: 200, contentType: "application/x-www-form-urlencoded", body: Data("access_token=form-a&refresh_token=form-r&expires_in=60&scope=read".utf8))
        }
        #expect(try await s.runtime.refresher.refreshNow(credentialID: s.credentialID) == .refreshed)
        let stored = try await s.credential()
        #expect(try await s.runtime.credentials.values(of: stored)["access_token"] == "form-a")
        #expect(abs((stored.expiresAt ?? .distantPast).timeIntervalSince(s.clock.now.addingTimeInterval(60))) < 0.01)
    }

    @Test func aFlappingEndpointCountsFailuresAndASuccessClearsThem() async throws {
        let s = try await setup(expiresIn: 200) { n, _ in
            n.isMultiple(of: 2) ? ScriptedTokenEndpoint.json(502, "bad gateway") : ScriptedTokenEndpoint.json(200, #"{"access_token":"ok\#(n)","expires_in":200}"#)
        }
        _ = try await s.usable()
        #expect(try await s.credential().refreshFailures == 1)
        s.clock.advance(400)
        let ok = try await s.usable()
        #expect(ok.refreshFailures == 0)
        #expect(try await s.accessToken(ok) == "ok1")
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
