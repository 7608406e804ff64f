import Foundation
import Synchronization
import LatchkeyCore
import LatchkeyTestSupport
import Testing

/// The refresh engine on its own, over an in-memory store: single flight, the lease, rotation, failures and back-off.
/// (What needs the HTTP API or the proxy stays in the server's `RefreshEngineTests`.)
@Suite struct RefresherTests {
    @Test func fiftyConcurrentCallsOnAnExpiredTokenCauseExactlyOneRefresh() async throws {
        let s = try await RefresherFixture { n, _ in
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
        let s = try await RefresherFixture { n, _ in
            try await Task.sleep(for: .milliseconds(300))
            return ScriptedTokenEndpoint.json(200, #"{"access_token":"a\#(n)","refresh_token":"r\#(n)","expires_in":3600}"#)
        }
        s.clock.advance(4000)
        async let pass = s.refreshPass.run(within: nil, concurrency: 4)
        async let call = s.usable()
        let (report, used) = try await (pass, call)
        #expect(s.endpoint.count == 1, "the refresh token must be spent once")
        #expect(try await s.accessToken(used) == "a0")
        #expect(report.due == 1)
        #expect(try await s.credential().status == .active)
    }

    @Test func aPassReadsTheCandidatesInPagesAndRefreshesEachDueOneOnce() async throws {
        let s = try await RefresherFixture()
        // More due credentials than two pages hold, and one that is not due, which no page may count.
        let extra = RefreshPass.pageSize * 2 + 7
        for i in 0..<extra {
            _ = try await s.credentials.create(owner: s.owner, provider: "fakeoauth", name: "c\(i)",
                                               fields: ["access_token": "a-\(i)", "refresh_token": "r-\(i)", "expires_in": "60"])
        }
        let seen = Mutex<[WorkProgress]>([])
        let report = try await s.refreshPass.run(within: 120, concurrency: 8) { progress in seen.withLock { $0.append(progress) } }
        let counts: [Int] = [report.due, report.refreshed, report.needsReauth, report.failed, report.skipped]
        #expect(counts == [extra, extra, 0, 0, 0])
        #expect(s.endpoint.count == extra)
        #expect(Set(s.endpoint.calls.map { $0.form["refresh_token"] ?? "" }).count == extra, "one request per refresh token")
        let progress = seen.withLock { $0 }
        #expect(progress.first == WorkProgress(what: "credentials", done: 0, total: extra), "the count comes before the work")
        #expect(progress.last == WorkProgress(what: "credentials", done: extra, total: extra))
        #expect(try await s.credential().version == 1, "the credential that was not due is untouched")
    }

    /// The pass runs more refreshes than it lets send a request, so leases and token writes overlap the requests; the
    /// providers must still see no more than `concurrency` token requests at a time, and each credential one.
    @Test func aPassSendsAtMostItsConcurrencyOfTokenRequestsAtOnce() async throws {
        let tally = ConcurrencyTally()
        let s = try await RefresherFixture { n, _ in
            tally.enter()
            try await Task.sleep(for: .milliseconds(20))
            tally.leave()
            return ScriptedTokenEndpoint.json(200, #"{"access_token":"a\#(n)","refresh_token":"r\#(n)","expires_in":3600}"#)
        }
        for i in 0..<30 {
            _ = try await s.credentials.create(owner: s.owner, provider: "fakeoauth", name: "c\(i)",
                                               fields: ["access_token": "a-\(i)", "refresh_token": "r-\(i)", "expires_in": "60"])
        }
        let report = try await s.refreshPass.run(within: 120, concurrency: 3)
        #expect(report.refreshed == 30)
        #expect(s.endpoint.count == 30)
        #expect(tally.most == 3)
    }

    /// A refresh that waited for its turn to send longer than `longestWaitForTurn` after taking its lease must not spend
    /// its refresh token: its request could outlast the lease, and another process could spend the same token.
    @Test func aPassRefreshWhoseTurnComesTooLateGivesItsLeaseBackUnspent() async throws {
        let s = try await RefresherFixture()
        var ids: [String] = []
        for i in 0..<2 {
            ids.append(try await s.credentials.create(owner: s.owner, provider: "fakeoauth", name: "c\(i)",
                                                      fields: ["access_token": "a-\(i)", "refresh_token": "r-\(i)", "expires_in": "60"]).id)
        }
        let (store, clock, pair) = (s.store, s.clock, ids)
        s.endpoint.answer { n, form in
            // The first request holds the only turn until the other refresh has its lease, then takes 30 s.
            let other = form["refresh_token"] == "r-0" ? pair[1] : pair[0]
            while try await store.refreshLeaseOwner(credentialID: other) == nil { await Task.yield() }
            clock.advance(Refresher.longestWaitForTurn + 10)
            return ScriptedTokenEndpoint.json(200, #"{"access_token":"a\#(n)","refresh_token":"r\#(n)","expires_in":3600}"#)
        }
        let report = try await s.refreshPass.run(within: 120, concurrency: 1)
        #expect(report.refreshed == 1 && report.skipped == 1)
        #expect(s.endpoint.count == 1, "the late refresh sent nothing")
        var untouched: [String] = []
        for id in ids where try await store.credential(id: id)?.version == 1 { untouched.append(id) }
        #expect(untouched.count == 1)
        for id in untouched { #expect(try await store.refreshLeaseOwner(credentialID: id) == nil, "its lease was given back") }
    }

    @Test func twoProcessesOnOneDatabaseRefreshOnceThroughTheLease() async throws {
        let s = try await RefresherFixture { n, _ in
            try await Task.sleep(for: .milliseconds(300))
            return ScriptedTokenEndpoint.json(200, #"{"access_token":"a\#(n)","refresh_token":"r\#(n)","expires_in":3600}"#)
        }
        // A second process: its own refresher (own single-flight group and lease owner) over the same database.
        let other = Refresher(store: s.store, catalog: s.catalog, sealer: s.sealer,
                              requester: TokenRequester(http: s.endpoint), clock: s.clock)
        #expect(other.owner != s.refresher.owner)
        s.clock.advance(4000)
        let stale = try await s.credential()
        let versions = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<40 {
                let refresher = i.isMultiple(of: 2) ? s.refresher : other
                group.addTask { try await refresher.usable(stale, links: s.links).version }
            }
            return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
        }
        #expect(s.endpoint.count == 1)
        #expect(versions == [stale.version + 1])
    }

    @Test func aRotatedRefreshTokenIsUsedNextAndAResponseWithoutOneKeepsTheOld() async throws {
        let s = try await RefresherFixture { n, _ in
            n == 0 ? ScriptedTokenEndpoint.json(200, #"{"access_token":"a0","refresh_token":"r0","expires_in":3600}"#)
                   : ScriptedTokenEndpoint.json(200, #"{"access_token":"a\#(n)","expires_in":3600}"#)
        }
        for _ in 0..<3 { #expect(try await s.refresher.refreshNow(credentialID: s.credentialID) == .refreshed) }
        #expect(s.endpoint.calls.map { $0.form["refresh_token"] } == ["r-initial", "r0", "r0"])
        #expect(s.endpoint.calls.allSatisfy { $0.form["grant_type"] == "refresh_token" && $0.form["client_id"] == "client-1" && $0.form["client_secret"] == "client-secret" })
        #expect(try await s.accessToken(try await s.credential()) == "a2")
    }

    @Test func aRevokedGrantMarksNeedsReauthAndStopsFurtherAttempts() async throws {
        let s = try await RefresherFixture { _, _ in ScriptedTokenEndpoint.json(400, #"{"error":"invalid_grant","error_description":"Token has been revoked"}"#) }
        s.clock.advance(4000)
        await #expect(throws: LatchkeyError.credentialNeedsReauth(provider: "fakeoauth", setupURL: "http://latchkey.test/credentials/\(s.credentialID)/reconnect")) {
            _ = try await s.usable()
        }
        let stored = try await s.credential()
        #expect(stored.status == .needsReauth)
        #expect(stored.statusReason == "invalid_grant")
        await #expect(throws: LatchkeyError.self) { _ = try await s.usable() }
        let report = try await s.refreshPass.run(within: nil, concurrency: 4)
        #expect(report.due == 0)
        #expect(s.endpoint.count == 1, "no further attempt after a permanent error")
        let warnings = try await s.warnings.warnings(owner: s.owner)
        #expect(warnings.contains { $0.kind == "credential_needs_reauth" && $0.credentialID == s.credentialID && $0.setupURL.hasSuffix("/reconnect") })
        let audit = try await s.store.auditEvents(ownerID: s.owner.id, limit: 10, before: nil)
        #expect(audit.contains { $0.action == "credential.needs_reauth" && $0.detail["reason"] == "invalid_grant" })
    }

    @Test func transientFailuresKeepTheValidTokenThenShowRefreshFailingThenRecover() async throws {
        let s = try await RefresherFixture(expiresIn: 200) { _, _ in ScriptedTokenEndpoint.json(503, "unavailable") }
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
        #expect(try await s.warnings.warnings(owner: s.owner).contains { $0.kind == "refresh_failing" })
        s.endpoint.answer(with: ScriptedTokenEndpoint.rotating)
        let recovered = try await s.usable()
        #expect(recovered.status == .active)
        #expect(recovered.refreshFailures == 0)
        #expect(try await s.accessToken(recovered) == "a3")
    }

    @Test func anExpiredTokenWhoseRefreshFailsAnswersRefreshFailedAndBacksOff() async throws {
        let s = try await RefresherFixture { _, _ in throw URLError(.timedOut) }
        s.clock.advance(4000)
        await #expect(throws: LatchkeyError.refreshFailed(provider: "fakeoauth")) { _ = try await s.usable() }
        await #expect(throws: LatchkeyError.refreshFailed(provider: "fakeoauth")) { _ = try await s.usable() }
        #expect(s.endpoint.count == 1)
        #expect(try await s.credential().statusReason == "token endpoint unreachable or too slow")
    }

    @Test func aMissingExpiresInFallsBackToTheProvidersDefaultTTL() async throws {
        let s = try await RefresherFixture { _, _ in ScriptedTokenEndpoint.json(200, #"{"access_token":"no-expiry"}"#) }
        let before = s.clock.now
        #expect(try await s.refresher.refreshNow(credentialID: s.credentialID) == .refreshed)
        let stored = try await s.credential()
        #expect(abs((stored.expiresAt ?? .distantPast).timeIntervalSince(before.addingTimeInterval(1800))) < 0.01)
        #expect(try await s.credentials.values(of: stored)["refresh_token"] == "r-initial")
    }

    @Test func aFormEncodedResponseIsAccepted() async throws {
        let s = try await RefresherFixture { _, _ in
            TokenHTTPResponse(status: 200, contentType: "application/x-www-form-urlencoded", body: Data("access_token=form-a&refresh_token=form-r&expires_in=60&scope=read".utf8))
        }
        #expect(try await s.refresher.refreshNow(credentialID: s.credentialID) == .refreshed)
        let stored = try await s.credential()
        #expect(try await s.credentials.values(of: stored)["access_token"] == "form-a")
        #expect(abs((stored.expiresAt ?? .distantPast).timeIntervalSince(s.clock.now.addingTimeInterval(60))) < 0.01)
    }

    @Test func aFlappingEndpointCountsFailuresAndASuccessClearsThem() async throws {
        let s = try await RefresherFixture(expiresIn: 200) { n, _ in
            n.isMultiple(of: 2) ? ScriptedTokenEndpoint.json(502, "bad gateway") : ScriptedTokenEndpoint.json(200, #"{"access_token":"ok\#(n)","expires_in":200}"#)
        }
        _ = try await s.usable()
        #expect(try await s.credential().refreshFailures == 1)
        s.clock.advance(400)
        let ok = try await s.usable()
        #expect(ok.refreshFailures == 0)
        #expect(try await s.accessToken(ok) == "ok1")
    }
}
