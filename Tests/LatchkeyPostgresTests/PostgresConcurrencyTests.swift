import Foundation
import LatchkeyCore
@testable import LatchkeyPostgres
import Testing

/// What only a shared server can show: several processes' pools (here, several stores) racing on one database.
@Suite(.enabled(if: TemporaryPostgres.available, "needs LATCHKEY_TEST_POSTGRES_URL (scripts/test.sh starts a server)"))
struct PostgresConcurrencyTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// Runs `body` with `count` migrated stores (separate connection pools) on one fresh database.
    func withStores(_ count: Int, _ body: ([PostgresStore]) async throws -> Void) async throws {
        try await TemporaryPostgres.withDatabase { url in
            let stores = try (0..<count).map { _ in try PostgresStore(url: url, logger: TemporaryPostgres.logger) }
            do {
                // Every server migrates on start; started together, they must migrate once and all succeed.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for store in stores { group.addTask { try await store.migrate() } }
                    try await group.waitForAll()
                }
                try await body(stores)
            } catch {
                for store in stores { await store.close() }
                throw error
            }
            for store in stores { await store.close() }
        }
    }

    @Test func serversStartingTogetherMigrateOnce() async throws {
        try await withStores(4) { stores in
            let applied = try await stores[0].rows("migration", "SELECT count(*) AS n FROM latchkey_migrations").first?.get("n", as: Int.self)
            #expect(applied == PostgresMigrations.steps.count)
            for store in stores { #expect(await store.ping()) }
        }
    }

    @Test func exactlyOneOfManyRacingServersTakesTheLease() async throws {
        try await withStores(4) { stores in
            let credential = try await seedOAuthCredential(stores[0])
            for round in 0..<10 {
                let now = Self.t0.addingTimeInterval(Double(round) * 120)
                let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for (index, store) in stores.enumerated() {
                        for attempt in 0..<5 {
                            group.addTask {
                                try await store.acquireRefreshLease(credentialID: credential.id, owner: "s\(index)-\(attempt)",
                                                                    until: now.addingTimeInterval(60), now: now) != nil
                            }
                        }
                    }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(winners == 1, "round \(round): \(winners) holders of one lease")
            }
        }
    }

    @Test func anOAuthStateIsConsumedOnceAcrossServers() async throws {
        try await withStores(3) { stores in
            let user = User(id: Identifier.make("usr"), email: "a@example.com", passwordHash: "$2b$x", role: .member, createdAt: Self.t0)
            try await stores[0].createUser(user)
            let state = OAuthState(id: "state-1", userID: user.id, provider: "github", name: "gh", credentialID: nil, scopes: [], fields: [:],
                                   browserBinding: nil, createdAt: Self.t0, expiresAt: Self.t0.addingTimeInterval(600))
            try await stores[0].createOAuthState(state, verifier: nil)
            let consumed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for store in stores {
                    for _ in 0..<4 { group.addTask { try await store.consumeOAuthState(id: "state-1", now: Self.t0) != nil } }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(consumed == 1)
        }
    }

    @Test func racingVersionedUpdatesLetExactlyOneWin() async throws {
        try await withStores(3) { stores in
            let credential = try await seedOAuthCredential(stores[0])
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for (index, store) in stores.enumerated() {
                    group.addTask {
                        var next = credential
                        next.name = "writer \(index)"
                        next.version += 1
                        return try await store.updateCredential(next)
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
            #expect(try await stores[1].credential(id: credential.id)?.version == credential.version + 1)
        }
    }

    func seedOAuthCredential(_ store: PostgresStore) async throws -> Credential {
        let user = User(id: Identifier.make("usr"), email: "\(UUID().uuidString)@example.com", passwordHash: "$2b$x", role: .member, createdAt: Self.t0)
        try await store.createUser(user)
        let credential = Credential(id: Identifier.make("crd"), ownerID: user.id, provider: "github", name: "gh", authMode: .oauth2,
                                    secrets: ["access_token": SealedValue(bytes: Data([1, 0, 0, 0, 1, 7]))], expiresAt: Self.t0,
                                    createdAt: Self.t0, updatedAt: Self.t0)
        try await store.createCredential(credential)
        return credential
    }
}
