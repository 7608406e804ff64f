import Foundation
import JWTKit
import LatchkeyCore
import LatchkeyTestSupport
import Logging
import Testing
@testable import LatchkeyServer

/// The sign-in flow around the id_token checks: the browser binding, the code exchange, users and roles.
@Suite struct OIDCSignInTests {
    static let issuer = "https://login.acme.test/realms/staff"
    static let discovery = #"{"issuer":"\#(issuer)","authorization_endpoint":"\#(issuer)/auth","token_endpoint":"\#(issuer)/token","jwks_uri":"\#(issuer)/certs"}"#

    struct Setup {
        let env: TestEnvironment
        let endpoint: ScriptedTokenEndpoint
        let provider: IDTokenVerifierTests.Provider
        let sso: OIDCSignIn

        /// Starts a sign-in and answers its code exchange with an id_token of `claims` (the nonce filled in).
        func signIn(_ claims: IDTokenVerifierTests.Claims, state: String? = nil) async throws(SSOFailure) -> (cookie: String, user: User, next: String) {
            let (url, binding) = try await sso.begin(next: "/groups")
            let query = Dictionary((URLComponents(string: url)?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
            var claims = claims
            claims.nonce = query["nonce"]
            let token = (try? await provider.sign(claims)) ?? ""
            endpoint.answer { _, _ in ScriptedTokenEndpoint.json(200, #"{"access_token":"at","token_type":"Bearer","id_token":"\#(token)"}"#) }
            return try await sso.finish(query: ["code": "the-code", "state": state ?? query["state"] ?? ""], binding: binding, client: "127.0.0.1")
        }

        func role(of email: String) async throws -> User.Role? { try await env.runtime.store.user(email: email)?.role }
    }

    func setup(domains: Set<String>? = ["acme.test"]) async throws -> Setup {
        let endpoint = ScriptedTokenEndpoint { _, _ in ScriptedTokenEndpoint.json(500, "{}") }
        let env = try await TestEnvironment(tokenHTTP: endpoint)
        let provider = try await IDTokenVerifierTests.Provider.rsa()
        endpoint.serve(Self.issuer + "/.well-known/openid-configuration", Self.discovery)
        endpoint.serve(Self.issuer + "/certs", String(decoding: provider.jwks, as: UTF8.self))
        let settings = OIDCSettings(issuer: Self.issuer, clientID: IDTokenVerifierTests.clientID, clientSecret: "client-secret",
                                    allowedDomains: domains, adminClaim: AdminClaim.parse("groups=latchkey-admins"))
        let sso = OIDCSignIn(settings: settings, redirectURI: "http://latchkey.test/oidc/callback", http: endpoint, users: env.runtime.users,
                             sessions: env.runtime.sessions, audit: AuditLog(store: env.runtime.store, clock: SystemClock()), clock: SystemClock(),
                             logger: Logger(label: "test"))
        return Setup(env: env, endpoint: endpoint, provider: provider, sso: sso)
    }

    /// The reason code of the failure `work` ends in, or nil when it succeeds.
    func reason(_ work: () async throws -> Void) async -> String? {
        do { try await work() } catch { return (error as? SSOFailure)?.reason ?? "\(error)" }
        return nil
    }

    static func claims(_ email: String, groups: [String] = []) -> IDTokenVerifierTests.Claims {
        var claims = IDTokenVerifierTests.Claims()
        claims.iss = issuer
        claims.exp = Date().timeIntervalSince1970 + 300
        claims.iat = Date().timeIntervalSince1970
        claims.email = email
        claims.groups = groups
        return claims
    }

    @Test func theAuthorizationRequestUsesPKCEAndTheExchangeSendsTheVerifier() async throws {
        let s = try await setup()
        let (url, binding) = try await s.sso.begin(next: "/groups")
        let parts = try #require(URLComponents(string: url))
        let query = Dictionary((parts.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        #expect(url.hasPrefix(Self.issuer + "/auth?"))
        #expect(query["response_type"] == "code" && query["scope"] == "openid email profile" && query["code_challenge_method"] == "S256")
        #expect(query["code_challenge"] == PKCE.challenge(for: binding.codeVerifier))
        #expect(query["state"] == binding.state && query["nonce"] == binding.nonce && query["state"] != query["nonce"])
        #expect(!url.contains(binding.secret) && !url.contains(binding.codeVerifier))
        _ = try await s.signIn(Self.claims("ada@acme.test"))
        let exchange = try #require(s.endpoint.calls.last)
        #expect(exchange.url == Self.issuer + "/token")
        #expect(exchange.form["grant_type"] == "authorization_code" && exchange.form["code"] == "the-code")
        #expect(exchange.form["redirect_uri"] == "http://latchkey.test/oidc/callback")
        #expect(exchange.form["code_verifier"]?.count == 43)
        #expect(exchange.form["client_secret"] == nil, "the secret goes in HTTP Basic unless the provider takes only client_secret_post")
    }

    @Test func aFirstSignInCreatesAMemberAndOpensASession() async throws {
        let s = try await setup()
        let (cookie, user, next) = try await s.signIn(Self.claims("Ada@Acme.test"))
        #expect(user.email == "ada@acme.test" && user.role == .member && next == "/groups")
        let session = try await s.env.runtime.sessions.authenticate(cookie: cookie)
        #expect(session?.0.id == user.id)
    }

    @Test func theAdminClaimMakesANewUserAnAdmin() async throws {
        let s = try await setup()
        let (_, user, _) = try await s.signIn(Self.claims("root@acme.test", groups: ["staff", "latchkey-admins"]))
        #expect(user.role == .admin)
    }

    @Test func anExistingUserIsLinkedNotDuplicated() async throws {
        let s = try await setup()
        let existing = try await s.env.runtime.users.add(email: "carol@acme.test", password: "correct horse battery", role: .member)
        let (_, user, _) = try await s.signIn(Self.claims("CAROL@acme.test"))
        #expect(user.id == existing.id)
        #expect(try await s.env.runtime.store.userCount() == 1)
    }

    @Test func anotherDomainOrAnUnverifiedEmailIsRefusedAndAudited() async throws {
        let s = try await setup()
        #expect(await reason { _ = try await s.signIn(Self.claims("eve@evil.test")) } == "domain")
        var unverified = Self.claims("uma@acme.test")
        unverified.email_verified = false
        #expect(await reason { _ = try await s.signIn(unverified) } == "email_unverified")
        #expect(try await s.env.runtime.store.userCount() == 0)
        let events = try await s.env.runtime.store.auditEvents(ownerID: "unknown", limit: 10, before: nil)
        #expect(events.filter { $0.action == "user.sso_refused" }.compactMap { $0.detail["reason"] }.sorted() == ["domain", "email_unverified"])
    }

    @Test func aStateThatIsNotThisBrowsersFinishesNothing() async throws {
        let s = try await setup()
        #expect(await reason { _ = try await s.signIn(Self.claims("ada@acme.test"), state: "forged") } == "state")
        #expect(await reason { _ = try await s.sso.finish(query: ["code": "c", "state": "s"], binding: nil, client: "127.0.0.1") } == "not_bound")
        #expect(s.endpoint.count == 0, "a bad state never reaches the token endpoint")
        #expect(try await s.env.runtime.store.userCount() == 0)
    }

    @Test func aDiscoveryDocumentForAnotherIssuerIsRefused() async throws {
        let s = try await setup()
        s.endpoint.serve(Self.issuer + "/.well-known/openid-configuration", Self.discovery.replacingOccurrences(of: #""issuer":"https://login.acme.test"#, with: #""issuer":"https://evil.test"#))
        #expect(await reason { _ = try await s.sso.begin(next: nil) } == "discovery")
    }

    @Test func theBindingCookieRoundTripsAndRefusesStrangers() {
        let binding = SSOBrowserBinding.make(next: "//evil.example")
        #expect(binding.next == LocalRedirect.fallback)
        #expect(SSOBrowserBinding.read(binding.cookieValue) == binding)
        #expect(SSOBrowserBinding.read("short.Lw") == nil && SSOBrowserBinding.read(nil) == nil && SSOBrowserBinding.read(binding.secret) == nil)
        #expect(Set([binding.state, binding.nonce, binding.codeVerifier]).count == 3)
    }
}
