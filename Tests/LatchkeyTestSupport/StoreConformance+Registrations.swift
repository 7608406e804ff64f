import Foundation
import LatchkeyCore
import Testing

extension StoreConformance {
    static func oauthRegistrations(_ store: any Store) async throws {
        func registration(_ client: String, redirect: String = "https://lk.example/oauth/callback", secret: SealedValue? = sealed(1, 7)) -> OAuthRegistration {
            OAuthRegistration(issuer: "https://as.example", redirectURI: redirect, clientID: client, clientSecret: secret, tokenEndpointAuth: .clientSecretPost,
                              metadataJSON: #"{"issuer":"https://as.example"}"#, kind: "dynamic", createdAt: t0, updatedAt: t0)
        }
        #expect(try await store.oauthRegistration(issuer: "https://as.example", redirectURI: "https://lk.example/oauth/callback") == nil)
        let first = try await store.createOAuthRegistration(registration("client-1"))
        #expect(first.clientID == "client-1")
        // A second registration for the same issuer and redirect URI (another server racing) gets the first one back.
        let second = try await store.createOAuthRegistration(registration("client-2"))
        #expect(second.clientID == "client-1")
        #expect(second.clientSecret == sealed(1, 7))
        let stored = try #require(try await store.oauthRegistration(issuer: "https://as.example", redirectURI: "https://lk.example/oauth/callback"))
        #expect(stored == registration("client-1"))
        // Another redirect URI (a server behind another public URL) is another registration; each is found by its client.
        _ = try await store.createOAuthRegistration(registration("client-3", redirect: "https://other.example/oauth/callback", secret: nil))
        #expect(try await store.oauthRegistration(issuer: "https://as.example", clientID: "client-3")?.clientSecret == nil)
        #expect(try await store.oauthRegistration(issuer: "https://as.example", clientID: "client-1")?.redirectURI == "https://lk.example/oauth/callback")
        #expect(try await store.oauthRegistration(issuer: "https://other-as.example", clientID: "client-1") == nil)
        try await store.updateOAuthRegistrationMetadata(issuer: "https://as.example", redirectURI: "https://lk.example/oauth/callback",
                                                        metadataJSON: #"{"issuer":"https://as.example","token_endpoint":"x"}"#, at: t0.addingTimeInterval(5))
        let updated = try #require(try await store.oauthRegistration(issuer: "https://as.example", clientID: "client-1"))
        #expect(updated.metadataJSON.contains("token_endpoint"))
        #expect(updated.updatedAt == t0.addingTimeInterval(5))
        // The secret is a sealed value like any other: `keys rotate` finds it.
        #expect(try await store.sealedValues(notUnder: 99, limit: 100).contains { $0.recordID == first.recordID && $0.field == "client_secret" })
    }
}
