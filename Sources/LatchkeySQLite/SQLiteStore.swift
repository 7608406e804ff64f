import Foundation
import GRDB
import LatchkeyCore

/// The `Store` on SQLite through the system libsqlite3: WAL mode, so readers never wait for the writer, and a busy
/// timeout, so that `serve`, `refresh` and `keys` processes share one file.
public final class SQLiteStore: Store {
    let pool: DatabasePool
    /// Where the store takes the time for the timestamps it writes itself (`updated_at`, a data key's `created_at`).
    let clock: any WallClock
    /// Shares one transaction among the refresh engine's concurrent small writes (leases, token writes).
    let combiner: WriteCombiner

    /// Opens (creating if needed) the database at `path`, stamping its own writes with `clock`'s time. Call
    /// `migrate()` before use.
    public init(path: String, clock: any WallClock = SystemClock()) throws {
        self.clock = clock
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        configuration.label = "latchkey"
        configuration.prepareDatabase { db in
            // WAL with synchronous=NORMAL: a commit survives the process being killed at any point (the WAL is in the
            // OS's hands); only an OS crash or power loss can drop the last commits. FULL would fsync every commit,
            // which costs more than the whole refresh on ordinary disks.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        combiner = WriteCombiner(pool: pool)
        // The database holds only sealed secrets, but its metadata is still the user's business.
        chmod(path, 0o600)
    }

    public func migrate() async throws {
        try SQLiteMigrations.migrator.migrate(pool)
    }

    public func ping() async -> Bool {
        (try? await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    /// Runs a write, turning unique-constraint failures into `StoreError.conflict`.
    func write<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch {
            throw Self.storeError(error, what)
        }
    }

    /// Runs a small write that may share its transaction with others made at the same moment (`WriteCombiner`): for
    /// the refresh engine's writes, many at once during a pass. The write is still atomic and committed when this
    /// returns.
    func combinedWrite<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await combiner.write(body, mapError: { Self.storeError($0, what) })
    }

    /// The rows of `statement` decoded as they are stepped through. A row GRDB copies (`fetchAll`, `fetchOne`) finds a
    /// column by lowercasing every column name on every access; a stepped row finds it in a table made once per
    /// statement, which matters for long lists read by column name (the audit log). Hot single-row reads go by
    /// index instead (`readAll`, `readFirst`).
    static func decodeAll<T>(_ statement: Statement, arguments: StatementArguments, _ decode: (Row) throws -> T) throws -> [T] {
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        var values: [T] = []
        while let row = try rows.next() { values.append(try decode(row)) }
        return values
    }

    /// The rows of `statement` decoded by column index (`Columns`) as they are stepped: for the reads made several
    /// times per refresh or proxied call, where even the per-statement table of `decodeAll` costs more than the read.
    static func readAll<T>(_ statement: Statement, arguments: StatementArguments, _ decode: (Columns) throws -> T) throws -> [T] {
        let rows = try ColumnsCursor(statement, arguments: arguments)
        var values: [T] = []
        while let row = try rows.next() { values.append(try decode(row)) }
        return values
    }

    /// The first row of `statement` decoded by column index (see `readAll`), or nil when there is none.
    static func readFirst<T>(_ statement: Statement, arguments: StatementArguments, _ decode: (Columns) throws -> T) throws -> T? {
        let rows = try ColumnsCursor(statement, arguments: arguments)
        return try rows.next().map(decode)
    }

    /// A unique-constraint failure as `StoreError.conflict`; any other error as it is.
    static func storeError(_ error: any Error, _ what: String) -> any Error {
        if let error = error as? DatabaseError,
           error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
            return StoreError.conflict(what)
        }
        return error
    }

    /// Reads on the calling thread. In WAL mode a reader never waits for a writer, so a read takes microseconds;
    /// running it here avoids the two thread hops of GRDB's async API, which cost more than the read itself and
    /// dominated the proxy's latency.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try readHere(body)
    }

    private func readHere<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// Runs exactly one statement outside an explicit transaction: SQLite runs a single statement as one atomic
    /// read, so GRDB's BEGIN/COMMIT around it is pure cost. Only for reads made of one statement.
    func readOneStatement<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try readOneStatementHere(body)
    }

    private func readOneStatementHere<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.unsafeRead(body)
    }
}

extension Date {
    var seconds: Double { timeIntervalSince1970 }
    init(seconds: Double) { self.init(timeIntervalSince1970: seconds) }
}
