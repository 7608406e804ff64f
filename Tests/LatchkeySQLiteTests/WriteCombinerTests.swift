import Foundation
import GRDB
@testable import LatchkeySQLite
import LatchkeyCore
import Synchronization
import Testing

/// Group commit: writes made while a transaction is being written share the next one, each still whole or not at
/// all, and each caller hears only its own result, after the commit.
@Suite struct WriteCombinerTests {
    /// Counts the commits of one database connection.
    final class CommitCounter: TransactionObserver, Sendable {
        let commits = Mutex(0)
        func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
        func databaseDidChange(with event: DatabaseEvent) {}
        func databaseDidCommit(_ db: Database) { commits.withLock { $0 += 1 } }
        func databaseDidRollback(_ db: Database) {}
    }

    struct Refused: Error {}

    /// Opens a store with a scratch table and a commit counter on its writer.
    static func store() async throws -> (SQLiteStore, CommitCounter) {
        let store = try await TemporaryDatabase().open()
        let counter = CommitCounter()
        try await store.pool.write { db in
            try db.execute(sql: "CREATE TABLE scratch (n INTEGER PRIMARY KEY)")
            db.add(transactionObserver: counter, extent: .databaseLifetime)
        }
        return (store, counter)
    }

    @Test func writesMadeWhileOneIsWrittenShareTheNextTransactionAndAFailingOneUndoesOnlyItself() async throws {
        let (store, counter) = try await Self.store()
        let before = counter.commits.withLock { $0 }
        // The first write holds the writer until the others are queued behind it.
        let release = DispatchSemaphore(value: 0)
        let first = Task {
            try await store.combinedWrite("scratch") { db in
                release.wait()
                try db.execute(sql: "INSERT INTO scratch (n) VALUES (0)")
            }
        }
        while store.combiner.pendingCount > 0 || !store.combiner.isDraining { await Task.yield() }
        let results = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for n in 1...40 {
                group.addTask {
                    do {
                        try await store.combinedWrite("scratch") { db in
                            try db.execute(sql: "INSERT INTO scratch (n) VALUES (?)", arguments: [n])
                            if n % 5 == 0 { throw Refused() }  // after its insert: the insert must be undone
                        }
                        return (n, true)
                    } catch is Refused {
                        return (n, false)
                    }
                }
            }
            while store.combiner.pendingCount < 40 { await Task.yield() }
            release.signal()
            var results: [Int: Bool] = [:]
            for try await (n, ok) in group { results[n] = ok }
            return results
        }
        try await first.value
        #expect(results.count == 40)
        #expect(results.filter { !$0.value }.keys.sorted() == [5, 10, 15, 20, 25, 30, 35, 40])
        let stored = try await store.pool.read { db in try Int.fetchAll(db, sql: "SELECT n FROM scratch ORDER BY n") }
        #expect(stored == [0] + (1...40).filter { $0 % 5 != 0 })
        // One commit for the first write, one for the forty queued behind it.
        #expect(counter.commits.withLock { $0 } - before == 2)
    }

    @Test func aConflictInASharedTransactionIsTheStoresConflictForThatWriteAlone() async throws {
        let (store, _) = try await Self.store()
        try await store.combinedWrite("scratch") { db in try db.execute(sql: "INSERT INTO scratch (n) VALUES (1)") }
        let duplicate = Task { try await store.combinedWrite("scratch") { db in try db.execute(sql: "INSERT INTO scratch (n) VALUES (1)") } }
        let other = Task { try await store.combinedWrite("scratch") { db in try db.execute(sql: "INSERT INTO scratch (n) VALUES (2)") } }
        await #expect(throws: StoreError.conflict("scratch")) { try await duplicate.value }
        try await other.value
        let stored = try await store.pool.read { db in try Int.fetchAll(db, sql: "SELECT n FROM scratch ORDER BY n") }
        #expect(stored == [1, 2])
    }
}
