import Foundation
import HTTPTypes
import HummingbirdTesting
import LatchkeyCore
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

    @Test func repeatedFailuresThrottleSignInEvenWithTheRightPassword() async throws {
        let env = try await TestEnvironment()
        _ = try await env.runtime.users.add(email: "a@example.com", password: "correct horse battery", role: .member)
        for _ in 0..<SessionService.maxFailuresPerEmail {
            await #expect(throws: SignInError.invalid) { _ = try await env.runtime.sessions.signIn(email: "a@example.com", password: "wrong password!", client: "x") }
        }
        await #expect(throws: SignInError.throttled(retryAfter: Int(SessionService.window))) {
            _ = try await env.runtime.sessions.signIn(email: "a@example.com", password: "correct horse battery", client: "x")
        }
        await #expect(throws: SignInError.invalid) { _ = try await env.runtime.sessions.signIn(email: "nobody@example.com", password: "whatever pass", client: "y") }
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
