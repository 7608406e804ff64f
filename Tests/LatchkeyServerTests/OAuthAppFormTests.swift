import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import LatchkeyCore
import Testing
@testable import LatchkeyServer

/// The OAuth app form in Settings (issue 19 item 9): a secret left blank keeps the stored one as sealed bytes,
/// never decrypted to be kept.
@Suite struct OAuthAppFormTests {
    /// A stored secret that cannot be opened as the app's (sealed for another record): a form that decrypts it to
    /// keep it fails, one that keeps the sealed bytes succeeds and leaves them byte for byte.
    static func storeUnopenableApp(_ env: TestEnvironment) async throws -> SealedValue {
        let sealed = try await env.runtime.sealer.seal("client-secret-kept-sealed", recordID: "elsewhere", field: "client_secret")
        try await env.runtime.store.putOAuthApp(OAuthApp(provider: "fakeoauth", clientID: "old-client", clientSecret: sealed, updatedAt: Date()))
        return sealed
    }

    @Test func aBlankSecretKeepsTheStoredOneWithoutOpeningIt() async throws {
        let env = try await TestEnvironment()
        let sealed = try await Self.storeUnopenableApp(env)
        let (_, headers, csrf) = try await env.browser("admin@example.com", role: .admin)
        try await Application(router: try await env.dashboardRouter()).test(.router) { client in
            let saved = try await client.call(.post, "/settings/oauth-apps/fakeoauth", headers: headers,
                                              body: ByteBuffer(string: "csrf=\(csrf)&client_id=new-client&client_secret="))
            #expect(saved.status == .seeOther && saved.headers[.location] == "/settings?notice=app_saved", "\(saved.status) \(saved.text.prefix(300))")
        }
        let app = try #require(try await env.runtime.store.oauthApp(provider: "fakeoauth"))
        #expect(app.clientID == "new-client")
        #expect(app.clientSecret == sealed, "the very bytes stored before: not opened, not sealed again")
    }

    @Test func aNewSecretIsSealedForTheApp() async throws {
        let env = try await TestEnvironment()
        let before = try await Self.storeUnopenableApp(env)
        let (_, headers, csrf) = try await env.browser("admin@example.com", role: .admin)
        try await Application(router: try await env.dashboardRouter()).test(.router) { client in
            let saved = try await client.call(.post, "/settings/oauth-apps/fakeoauth", headers: headers,
                                              body: ByteBuffer(string: "csrf=\(csrf)&client_id=new-client&client_secret=brand-new-secret"))
            #expect(saved.status == .seeOther)
        }
        let app = try #require(try await env.runtime.store.oauthApp(provider: "fakeoauth"))
        #expect(app.clientSecret != before)
        #expect(try await env.runtime.sealer.open(app.clientSecret, recordID: OAuthApp.recordID(provider: "fakeoauth"), field: "client_secret") == "brand-new-secret")
    }

    @Test func aMemberCannotChangeAnAppEvenWithABlankSecret() async throws {
        let env = try await TestEnvironment()
        let sealed = try await Self.storeUnopenableApp(env)
        let (_, headers, csrf) = try await env.browser("member@example.com")
        try await Application(router: try await env.dashboardRouter()).test(.router) { client in
            let refused = try await client.call(.post, "/settings/oauth-apps/fakeoauth", headers: headers,
                                                body: ByteBuffer(string: "csrf=\(csrf)&client_id=mine&client_secret="))
            #expect(refused.status == .forbidden && refused.headers[.contentType]?.hasPrefix("text/html") == true)
        }
        let app = try #require(try await env.runtime.store.oauthApp(provider: "fakeoauth"))
        #expect(app.clientID == "old-client" && app.clientSecret == sealed)
    }

    @Test func withoutAStoredAppABlankSecretIsRequired() async throws {
        let env = try await TestEnvironment()
        let admin = try await env.runtime.users.add(email: "admin@example.com", password: "correct horse battery", role: .admin)
        await #expect(throws: LatchkeyError.self) {
            _ = try await env.runtime.oauthApps.putKeepingSecret(by: admin, provider: "fakeoauth", clientID: "c")
        }
        #expect(try await env.runtime.store.oauthApp(provider: "fakeoauth") == nil)
    }
}
