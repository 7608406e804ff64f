import Foundation
import HTTPTypes
import LatchkeyCore
import LatchkeyTestSupport
@testable import LatchkeyServer
import Testing

/// A server without the dashboard cannot ask for sign-in; its start links bind the browser that opens them, once.
@Suite struct StartLinkTests {
    @Test func withoutTheDashboardAStartLinkBindsTheBrowserThatOpensItOnce() async throws {
        let env = try await TestEnvironment(tokenHTTP: ScriptedTokenEndpoint(ScriptedTokenEndpoint.rotating))
        let owner = try await env.runtime.users.add(email: "admin@example.com", password: "correct horse battery", role: .admin)
        _ = try await env.runtime.oauthApps.put(by: owner, provider: "fakeoauth", clientID: "client-1", clientSecret: "client-secret")
        let token = "Bearer " + (try await env.runtime.users.createToken(email: "admin@example.com", name: "t"))
        try await env.live { client in
            let authorized = try await client.call(.post, "/api/v1/oauth/fakeoauth/authorize", auth: token, json: #"{"name":"api only"}"#)
            let link = try #require(authorized["authorization_url"] as? String)
            #expect(link.hasPrefix("http://latchkey.test/oauth/start/") && !authorized.text.contains("state="), "\(authorized.text)")
            let path = String(link.dropFirst("http://latchkey.test".count))
            let opened = try await client.call(.get, path)
            #expect(opened.status == .found)
            #expect(opened.headers[.location]?.contains("state=") == true && opened.headers[.location]?.contains("code_challenge=") == true)
            #expect(opened.headers[.setCookie]?.hasPrefix("lk_oauth=") == true)
            #expect(try await client.call(.get, path).status == .gone, "single use")
            // Without the binding cookie the callback finishes nothing.
            let state = try #require(opened.headers[.location].flatMap { URLComponents(string: $0)?.queryItems?.first { $0.name == "state" }?.value })
            let callback = try await client.call(.get, "/oauth/callback?code=c&state=\(state)")
            #expect(callback.status == .forbidden)
        }
        #expect(try await env.runtime.store.credentials(ownerID: owner.id).isEmpty)
    }
}
