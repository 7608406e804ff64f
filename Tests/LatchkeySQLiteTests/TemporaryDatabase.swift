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

    func open() async throws -> SQLiteStore {
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        return store
    }
}
