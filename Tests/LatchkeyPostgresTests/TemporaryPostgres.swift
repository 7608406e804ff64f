import Foundation
import LatchkeyCore
@testable import LatchkeyPostgres
import Logging
import Testing

/// Fresh databases on the PostgreSQL server named by `LATCHKEY_TEST_POSTGRES_URL` (scripts/test.sh starts one).
enum TemporaryPostgres {
    static let adminURL = ProcessInfo.processInfo.environment["LATCHKEY_TEST_POSTGRES_URL"]

    /// Whether the tests can run: a server is configured. In CI it must be.
    static var available: Bool {
        if adminURL == nil, ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("CI=true but LATCHKEY_TEST_POSTGRES_URL is not set: the PostgreSQL store would go untested")
        }
        return adminURL != nil
    }

    static let logger = Logger(label: "latchkey-test")

    /// How many test databases may exist at once (see `DatabaseSlots`).
    static let slots = DatabaseSlots(3)

    /// Creating and dropping a database waits behind the others doing the same: longer than a statement's deadline.
    static let adminDeadline: Duration = .seconds(120)

    /// Creates an empty database, runs `body` with its URL, and drops it afterwards.
    static func withDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
        let admin = try #require(adminURL)
        await slots.acquire()
        defer { Task { await slots.release() } }
        let name = "lk_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        let adminStore = try PostgresStore(url: admin, logger: logger)
        defer { Task { await adminStore.close() } }
        try await adminStore.rows("database", "CREATE DATABASE \(unescaped: name)", deadline: adminDeadline)
        var components = try #require(URLComponents(string: admin))
        components.path = "/\(name)"
        let url = try #require(components.string)
        do {
            let result = try await body(url)
            try await adminStore.rows("database", "DROP DATABASE \(unescaped: name) WITH (FORCE)", deadline: adminDeadline)
            return result
        } catch {
            _ = try? await adminStore.rows("database", "DROP DATABASE \(unescaped: name) WITH (FORCE)", deadline: adminDeadline)
            throw error
        }
    }

    /// A migrated store on a fresh database for `body`, stamping its own writes with `clock`'s time.
    static func withStore<T>(clock: any WallClock = SystemClock(), _ body: (PostgresStore) async throws -> T) async throws -> T {
        try await withDatabase { url in
            let store = try PostgresStore(url: url, logger: logger, clock: clock)
            do {
                try await store.migrate()
                let result = try await body(store)
                await store.close()
                return result
            } catch {
                await store.close()
                throw error
            }
        }
    }
}
