import Foundation
import LatchkeyCore
import LatchkeyTestSupport
import Testing

/// The refresh engine over an in-memory store, a scripted token endpoint and a test clock: an admin, the fake
/// provider's OAuth app, and one imported credential expiring in `expiresIn`. No database file, no server.
struct RefresherFixture {
    let store: MemoryStore
    let clock: TestClock
    let endpoint: ScriptedTokenEndpoint
    let catalog: Catalog
    let sealer: Sealer
    let refresher: Refresher
    let refreshPass: RefreshPass
    let credentials: CredentialService
    let warnings: WarningService
    let links = SetupLinks(publicURL: "http://latchkey.test")
    let owner: User
    let credentialID: String

    init(expiresIn: Int = 3600, script: @escaping ScriptedTokenEndpoint.Script = ScriptedTokenEndpoint.rotating) async throws {
        clock = TestClock()
        store = MemoryStore(clock: clock)
        endpoint = ScriptedTokenEndpoint(script)
        catalog = try CatalogLoader.load([CatalogSource(directory: Fixtures.directory("catalog-refresh"), strict: false)])
        sealer = Sealer(master: try MasterKey(base64: MasterKey.generateBase64()), keyStore: store, clock: clock)
        try await sealer.bootstrap()
        refresher = Refresher(store: store, catalog: catalog, sealer: sealer, requester: TokenRequester(http: endpoint), clock: clock)
        refreshPass = RefreshPass(store: store, catalog: catalog, refresher: refresher, clock: clock)
        credentials = CredentialService(store: store, catalog: catalog, sealer: sealer, clock: clock)
        warnings = WarningService(store: store, links: links, clock: clock)
        owner = User(id: Identifier.make("usr"), email: "admin@example.com", passwordHash: "-", role: .admin, createdAt: clock.now)
        try await store.createUser(owner)
        _ = try await OAuthAppService(store: store, catalog: catalog, sealer: sealer, clock: clock)
            .put(by: owner, provider: "fakeoauth", clientID: "client-1", clientSecret: "client-secret")
        credentialID = try await credentials.create(owner: owner, provider: "fakeoauth", name: "imported",
                                                    fields: ["access_token": "a-initial", "refresh_token": "r-initial", "expires_in": "\(expiresIn)"]).id
    }

    /// The credential as stored.
    func credential() async throws -> Credential { try #require(try await store.credential(id: credentialID)) }

    /// The credential as an agent's call would use it: refreshed first when due.
    func usable(after401Version: Int? = nil) async throws -> Credential {
        try await refresher.usable(try await credential(), links: links, after401Version: after401Version)
    }

    /// The opened access token of `credential`.
    func accessToken(_ credential: Credential) async throws -> String? { try await credentials.values(of: credential)["access_token"] }
}
