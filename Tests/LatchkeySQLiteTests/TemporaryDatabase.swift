import Foundation
import LatchkeyCore
import LatchkeySQLite

/// A fresh SQLite database in its own temporary directory.
struct TemporaryDatabase {
    let directory: URL
    var path: String { directory.appendingPathComponent("latchkey.db").path }

    init() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("latchkey-test-\(UUID().uuidString)")
    }

    /// The migrated store, stamping its own writes with `clock`'s time.
    func open(clock: any WallClock = SystemClock()) async throws -> SQLiteStore {
        let store = try SQLiteStore(path: path, clock: clock)
        try await store.migrate()
        return store
    }
}
