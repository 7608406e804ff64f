import Foundation
import LatchkeyCore
import LatchkeyTestSupport
import Testing
@testable import LatchkeyServer

/// A generic OpenID Connect provider: the user types the issuer, Latchkey discovers its endpoints, checks the
/// document's issuer, and keeps the endpoints with the credential for refresh.
@Suite struct IssuerDiscoveryFlowTests {
    static let issuer = "https://idp.example/realms/acme"
    static let discoveryURL = "https://idp.example/realms/acme/.well-known/openid-configuration"

    static func document(issuer: String = issuer, token: String = "https://idp.example/realms/acme/protocol/openid-connect/token") -> String {
        """
        {"issuer":"\(issuer)","authorization_endpoint":"https://idp.example/realms/acme/protocol/openid-connect/auth","token_endpoint":"\(token)",
         "revocation_endpoint":"https://idp.example/realms/acme/protocol/openid-connect/revoke","code_challenge_methods_supported":["plain","S256"],
         "userinfo_endpoint":"https://idp.example/realms/acme/protocol/openid-connect/userinfo","jwks_uri":"https://idp.example/realms/acme/protocol/openid-connect/certs"}
        """
    }

    /// The reason a refused start gives: the remote side's refusal, or the field that was invalid.
    static func refusal(_ work: () async throws -> Void) async -> String? {
        do { try await work() } catch LatchkeyError.remoteServerRefused(_, let reason) { return reason } catch LatchkeyError.validationFailed(let field, _) {
            return "field " + field
        } catch { return "\(error)" }
        return nil
    }

    struct Setup {
        let env: TestEnvironment
        let endpoint: ScriptedTokenEndpoint
        let owner: User
        var runtime: LatchkeyRuntime { env.runtime }

        func start(issuer: String = IssuerDiscoveryFlowTests.issuer) async throws -> (url: URLComponents, binding: Data) {
            let binding = Data(UUID().uuidString.utf8)
            let (url, _) = try await runtime.oauthFlow.start(user: owner, ConsentRequest(provider: "fakeoidc", name: "sso", fields: ["issuer": issuer]), browserBinding: binding)
            return (try #require(URLComponents(string: url)), binding)
        }
    }

    func setup(app: Bool = true) async throws -> Setup {
        let endpoint = ScriptedTokenEndpoint { n, _ in ScriptedTokenEndpoint.json(200, #"{"access_token":"at\#(n)","refresh_token":"rt\#(n)","expires_in":300,"token_type":"Bearer"}"#) }
        let env = try await TestEnvironment(tokenHTTP: endpoint)
        let owner = try await env.runtime.users.add(email: "admin@example.com", password: "correct horse battery", role: .admin)
        if app { _ = try await env.runtime.oauthApps.put(by: owner, provider: "fakeoidc", clientID: "latchkey", clientSecret: "oidc-secret") }
        return Setup(env: env, endpoint: endpoint, owner: owner)
    }

    @Test func connectUsesTheDiscoveredEndpointsAndRefreshKeepsUsingThem() async throws {
        let s = try await setup()
        s.endpoint.serve(Self.discoveryURL, Self.document())
        let (url, binding) = try await s.start()
        #expect(url.host == "idp.example" && url.path == "/realms/acme/protocol/openid-connect/auth")
        let query = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        #expect(query["client_id"] == "latchkey")
        #expect(query["scope"] == "openid offline_access")
        #expect(query["code_challenge_method"] == "S256")

        let state = try #require(query["state"])
        let credential = try await s.runtime.oauthFlow.complete(state: state, code: "c", error: nil, browserBinding: binding, signedInUserID: s.owner.id).credential
        let exchange = try #require(s.endpoint.calls.first)
        #expect(exchange.url == "https://idp.example/realms/acme/protocol/openid-connect/token")
        #expect(exchange.form["grant_type"] == "authorization_code")
        #expect(exchange.form["code_verifier"] != nil)
        // A public client: even with a secret set on the app, none goes to the issuer a user typed.
        #expect(exchange.form["client_id"] == "latchkey" && exchange.form["client_secret"] == nil)
        #expect(credential.publicFields["issuer"] == Self.issuer)
        #expect(credential.publicFields[DiscoveredClients.issuerField] == Self.issuer)
        #expect(credential.publicFields[DiscoveredClients.tokenEndpointField] == "https://idp.example/realms/acme/protocol/openid-connect/token")

        // The issuer's document moves its token endpoint: the credential still refreshes where it was issued.
        s.endpoint.serve(Self.discoveryURL, Self.document(token: "https://elsewhere.example/token"))
        #expect(try await s.runtime.refresher.refreshNow(credentialID: credential.id) == .refreshed)
        let refresh = try #require(s.endpoint.calls.last)
        #expect(refresh.url == "https://idp.example/realms/acme/protocol/openid-connect/token")
        #expect(refresh.form["grant_type"] == "refresh_token" && refresh.form["refresh_token"] == "rt0")
    }

    @Test func aStartLinkStartsTheFlowAgainFromOnlyWhatTheUserTyped() async throws {
        let s = try await setup()
        s.endpoint.serve(Self.discoveryURL, Self.document())
        let (ticket, _) = try await s.runtime.oauthFlow.prepare(user: s.owner, ConsentRequest(provider: "fakeoidc", name: "sso", fields: ["issuer": Self.issuer]))
        let prepared = try #require(try await s.runtime.oauthFlow.redeem(ticket: ticket))
        #expect(prepared.request.fields == ["issuer": Self.issuer], "the endpoints found are discovered again, not taken as typed fields")
        let (url, _) = try await s.runtime.oauthFlow.start(user: s.owner, prepared.request, browserBinding: Data("browser".utf8))
        #expect(url.hasPrefix("https://idp.example/realms/acme/protocol/openid-connect/auth?"))
    }

    @Test func aDocumentNamingAnotherIssuerIsRefusedBeforeAnythingIsStored() async throws {
        let s = try await setup()
        s.endpoint.serve(Self.discoveryURL, Self.document(issuer: "https://evil.example/realms/acme"))
        let reason = await Self.refusal { _ = try await s.start() }
        #expect(reason?.contains("names issuer 'https://evil.example/realms/acme', not 'https://idp.example/realms/acme'") == true, "\(reason ?? "accepted")")
        #expect(s.endpoint.calls.isEmpty)
    }

    @Test func anIssuerThatIsNotHTTPSOrDoesNotMatchTheFieldPatternIsRefused() async throws {
        let s = try await setup()
        s.endpoint.serve("http://idp.example/realms/acme/.well-known/openid-configuration", Self.document(issuer: "http://idp.example/realms/acme"))
        #expect(await Self.refusal { _ = try await s.start(issuer: "http://idp.example/realms/acme") } == "field fields.issuer")
        #expect(await Self.refusal { _ = try await s.start(issuer: "https://idp.example/realms/acme?x=1") } == "field fields.issuer")
    }

    @Test func withoutTheDeploymentsAppNothingIsDiscovered() async throws {
        let s = try await setup(app: false)
        s.endpoint.serve(Self.discoveryURL, Self.document())
        let reason = await Self.refusal { _ = try await s.start() }
        #expect(reason?.contains("no OAuth app is set for fakeoidc") == true, "\(reason ?? "accepted")")
    }

    @Test func aCredentialWhoseIssuerWasEditedNeedsReconnecting() async throws {
        let s = try await setup()
        s.endpoint.serve(Self.discoveryURL, Self.document())
        let (url, binding) = try await s.start()
        let state = try #require(url.queryItems?.first { $0.name == "state" }?.value)
        let credential = try await s.runtime.oauthFlow.complete(state: state, code: "c", error: nil, browserBinding: binding, signedInUserID: s.owner.id).credential
        _ = try await s.runtime.credentials.update(owner: s.owner, id: credential.id, name: nil, fields: ["issuer": "https://other.example/realms/acme"])
        #expect(try await s.runtime.refresher.refreshNow(credentialID: credential.id) == .needsReauth)
        #expect(s.endpoint.calls.count == 1, "no token request goes anywhere after the issuer changed")
    }
}
