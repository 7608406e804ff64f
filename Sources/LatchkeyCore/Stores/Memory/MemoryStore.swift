import Foundation

/// The `Store` in memory: one process, nothing on disk, for tests of the core without a database file.
///
/// It keeps the SQLite store's semantics: the same uniqueness constraints raising `StoreError.conflict`, foreign keys
/// refusing rows that name a missing user, group or credential (as PostgreSQL does, with `StoreError.unavailable`),
/// the same cascades, orders and page cursors, and conditional writes that decide and write in one step. Being an
/// actor whose methods never suspend, every method runs whole before the next begins: each is one transaction, and a
/// method that throws has written nothing (it checks every constraint before it changes a table).
///
/// The tables are in `Tables`; each sub-protocol lives in its own `MemoryStore+Concern.swift`.
public actor MemoryStore: Store {
    /// Where the store takes the time for the timestamps it writes itself (`updated_at`, a data key's `created_at`).
    let clock: any WallClock

    /// Every table; one property, so a new sub-protocol adds its table in `MemoryStore+Tables.swift`.
    var tables = Tables()

    /// Insertion order, where SQL returns rows in rowid order (audit's `seq`, candidates, sealed values).
    private var lastSequence = 0

    /// An empty store that stamps its own writes with `clock`'s time.
    public init(clock: any WallClock = SystemClock()) {
        self.clock = clock
    }

    /// Nothing to migrate: the tables are the properties.
    public func migrate() async throws {}

    /// Always answers.
    public func ping() async -> Bool { true }

    /// The next insertion number.
    func nextSequence() -> Int {
        lastSequence += 1
        return lastSequence
    }

    /// The error a foreign key raises: the row refers to `what`, which does not exist.
    static func missing(_ what: String) -> StoreError {
        .unavailable("memory store: no such \(what)")
    }

    /// SQL's default text order (SQLite's BINARY collation): byte by byte through UTF-8.
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
