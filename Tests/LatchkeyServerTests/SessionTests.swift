import Foundation
import HTTPTypes
import HummingbirdTesting
import LatchkeyCore
import LatchkeyTestSupport
import Testing
@testable import LatchkeyServer

@Suite struct SessionTests {
    @Test func theSetupLinkCreatesTheFirstAdminOnceAndOnlyWhileNoUserExists() async throws {
        let env = try await TestEnvironment()
        let link = try #require(try await env.runtime.setup.link())
        let token = String(try #require(link.split(separator: "token=").last))
        await #expect(throws: LatchkeyError.self) { _ = try await env.runtime.setup.complete(token: "wrong", email: "a@example.com", password: "correct horse battery") }
        let admin = try await env.runtime.setup.complete(token: token, email: "a@example.com", password: "correct horse battery")
        #expect(admin.role == .admin)
        await #expect(throws: LatchkeyError.self) { _ = try await env.runtime.setup.complete(token: token, email: "b@example.com", password: "correct horse battery") }
        #expect(try await env.runtime.setup.link() == nil)
        #expect(try await env.runtime.store.userCount() == 1)
    }

    @Test func aRefusedPasswordDoesNotUseUpTheSetupLink() async throws {
        let env = try await TestEnvironment()
        let link = try #require(try await env.runtime.setup.link())
        let token = String(try #require(link.split(separator: "token=").last))
        await #expect(throws: LatchkeyError.self) { _ = try await env.runtime.setup.complete(token: token, email: "a@example.com", password: "short") }
        #expect(try await env.runtime.setup.complete(token: token, email: "a@example.com", password: "correct horse battery").role == .admin)
    }

    @Test func signInOpensASessionThatSignOutEnds() async throws {
        let env = try await TestEnvironment()
        _ = try await env.runtime.users.add(email: "a@example.com", password: "correct horse battery", role: .member)
        let (cookie, session, user) = try await env.runtime.sessions.signIn(email: "A@Example.com", password: "correct horse battery", client: "test")
        #expect(user.email == "a@example.com")
        #expect(try await env.runtime.sessions.authenticate(cookie: cookie)?.1.id == session.id)
        #expect(try await env.runtime.store.session(id: cookie) == nil, "only the hash of the cookie is stored")
        try await env.runtime.sessions.signOut(cookie: cookie)
        #expect(try await env.runtime.sessions.authenticate(cookie: cookie) == nil)
    }

    @Test func repeatedFailuresFromOneAddressDelayOnlyThatAddressEvenWithTheRightPassword() async throws {
        let clock = TestClock()
        let env = try await TestEnvironment(clock: clock)
        _ = try await env.runtime.users.add(email: "a@example.com", password: "correct horse battery", role: .member)
        for _ in 0..<SignInThrottle.freeAttempts {
            await #expect(throws: SignInError.invalid) { _ = try await env.runtime.sessions.signIn(email: "a@example.com", password: "wrong password!", client: "203.0.113.9") }
        }
        await #expect(throws: SignInError.throttled(retryAfter: 30)) {
            _ = try await env.runtime.sessions.signIn(email: "a@example.com", password: "correct horse battery", client: "203.0.113.9")
        }
        // The account's owner, elsewhere, is not locked out by a stranger's guesses.
        #expect(try await env.runtime.sessions.signIn(email: "a@example.com", password: "correct horse battery", client: "198.51.100.7").user.email == "a@example.com")
        // The delay grows with each further failure from the guessing address.
        clock.advance(31)
        await #expect(throws: SignInError.invalid) { _ = try await env.runtime.sessions.signIn(email: "a@example.com", password: "wrong again!", client: "203.0.113.9") }
        await #expect(throws: SignInError.throttled(retryAfter: 60)) {
            _ = try await env.runtime.sessions.signIn(email: "a@example.com", password: "correct horse battery", client: "203.0.113.9")
        }
        clock.advance(61)
        #expect(try await env.runtime.sessions.signIn(email: "a@example.com", password: "correct horse battery", client: "203.0.113.9").user.email == "a@example.com")
    }

    @Test func oneAddressCannotSprayGuessesOverManyAccounts() async throws {
        let env = try await TestEnvironment()
        for index in 0..<SignInThrottle.maxFailuresPerClient {
            await #expect(throws: SignInError.invalid) { _ = try await env.runtime.sessions.signIn(email: "user\(index)@example.com", password: "guess!", client: "203.0.113.9") }
        }
        await #expect(throws: SignInError.throttled(retryAfter: Int(SignInThrottle.window))) {
            _ = try await env.runtime.sessions.signIn(email: "fresh@example.com", password: "guess!", client: "203.0.113.9")
        }
        await #expect(throws: SignInError.invalid) { _ = try await env.runtime.sessions.signIn(email: "fresh@example.com", password: "guess!", client: "198.51.100.7") }
    }

    @Test func aFloodOfFailuresLeavesAFewAuditRowsPerAddressNotOnePerTry() async throws {
        let env = try await TestEnvironment()
        let user = try await env.runtime.users.add(email: "same@example.com", password: "correct horse battery", role: .member)
        for index in 0..<20 {
            _ = try? await env.runtime.sessions.signIn(email: "same@example.com", password: "guess \(index)!", client: "203.0.113.\(index % 2)")
        }
        // Per address: 5 failures before the delay starts (the rest are refused unchecked); rows for the 1st, 2nd and 4th.
        let owned = try await env.runtime.store.auditEvents(ownerID: user.id, limit: 100, before: nil).filter { $0.action == "user.sign_in_failed" }
        #expect(owned.count == 6, "\(owned.map(\.detail))")
        for index in 0..<SignInThrottle.maxFailuresPerClient {
            _ = try? await env.runtime.sessions.signIn(email: "nobody\(index)@example.com", password: "guess!", client: "192.0.2.1")
        }
        // Emails that are no account: the address's 1st, 2nd, 4th, 8th and 16th failure.
        let unknown = try await env.runtime.store.auditEvents(ownerID: "unknown", limit: 100, before: nil).filter { $0.action == "user.sign_in_failed" }
        #expect(unknown.count == 5, "\(unknown.map(\.detail))")
    }

    @Test func theAPIAcceptsTheSessionCookieOnlyWithTheCSRFHeaderForWrites() async throws {
        let env = try await TestEnvironment()
        _ = try await env.runtime.users.add(email: "a@example.com", password: "correct horse battery", role: .member)
        let (cookie, session, _) = try await env.runtime.sessions.signIn(email: "a@example.com", password: "correct horse battery", client: "t")
        try await env.live { client in
            let cookieHeader: HTTPFields = [.cookie: "lk_session=\(cookie)"]
            #expect(try await client.call(.get, "/api/v1/credentials", headers: cookieHeader).status == .ok)
            let forged = try await client.call(.post, "/api/v1/groups", json: #"{"name":"g"}"#, headers: cookieHeader)
            #expect(forged.status == .forbidden)
            #expect(forged.errorCode == "csrf_failed")
            var withToken = cookieHeader
            withToken[HTTPField.Name("X-CSRF-Token")!] = session.csrf
            #expect(try await client.call(.post, "/api/v1/groups", json: #"{"name":"g"}"#, headers: withToken).status == .created)
            #expect(try await client.call(.get, "/api/v1/groups", headers: cookieHeader).list("groups").count == 1)
        }
    }
}
