import Foundation
import LatchkeyCore
import Logging
import PostgresNIO

/// The `Store` on PostgreSQL, for several `serve` processes and `latchkey refresh` on cron sharing one database.
///
/// Everything that must be shared (OAuth states, sessions, refresh leases, login throttling, warnings) is a row, so
/// any server can take any request. Transactions run at PostgreSQL's default READ COMMITTED level; where a decision
/// depends on a row that another server may change (a lease, a version), the statement that decides is the statement
/// that writes, or the row is locked first (`FOR UPDATE`). Each such place says why it holds.
public final class PostgresStore: Store {
    let client: PostgresClient
    let logger: Logger
    /// Where the store takes the time for the timestamps it writes itself (`updated_at`, a data key's `created_at`).
    let clock: any WallClock
    private let runner: Task<Void, Never>

    /// Connects a pool to `url` (see `PostgresURL`) and starts it, stamping its own writes with `clock`'s time. Call
    /// `migrate()` before use and `close()` at the end.
    public init(url: String, logger: Logger, clock: any WallClock = SystemClock()) throws(PostgresURLError) {
        let parsed = try PostgresURL(url)
        self.logger = logger
        self.clock = clock
        // The pool reports every connection attempt it abandons at info level (a burst at each shutdown); queries
        // that cannot get a connection fail with an error of their own, which callers report.
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: parsed.configuration, backgroundLogger: background)
        self.client = client
        runner = Task { await client.run() }
    }

    public func close() async {
        runner.cancel()
        await runner.value
    }

    public func migrate() async throws {
        try await PostgresMigrations.apply(on: self)
    }

    /// Whether the database answers within 2 s (for `/readyz`).
    public func ping() async -> Bool {
        guard let row = try? await rows("ping", "SELECT 1::bigint AS one", deadline: .seconds(2)).first else { return false }
        return (try? row.get("one", as: Int.self)) == 1
    }

    /// How long one statement or transaction may take, waiting for a connection included. An unreachable database
    /// then fails requests (and start-up) with a clear error instead of holding them forever, like SQLite's busy
    /// timeout.
    static let deadline: Duration = .seconds(10)

    /// Runs one statement and collects its rows. `what` names the record for conflict errors.
    @discardableResult
    func rows(_ what: String, _ query: PostgresQuery, deadline: Duration = deadline) async throws -> [PostgresRandomAccessRow] {
        try await mapErrors(what, deadline: deadline) { [client, logger] in
            try await client.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
        }
    }

    /// Runs a prepared statement (parsed once per connection) and collects its rows.
    func prepared<Statement: PostgresPreparedStatement>(_ what: String, _ statement: Statement) async throws -> [Statement.Row]
    where Statement.Row: Sendable {
        try await mapErrors(what, deadline: Self.deadline) { [client, logger] in
            var rows: [Statement.Row] = []
            for try await row in try await client.execute(statement, logger: logger) { rows.append(row) }
            return rows
        }
    }

    /// Runs `body` in one transaction on one pooled connection; it commits when `body` returns and rolls back when it
    /// throws.
    func transaction<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Transaction) async throws -> T) async throws -> T {
        try await mapErrors(what, deadline: Self.deadline) { [client, logger] in
            try await client.withTransaction(logger: logger) { connection in
                try await body(Transaction(connection: connection, logger: logger))
            }
        }
    }

    /// Turns unique violations into `StoreError.conflict` and connection failures into `StoreError.unavailable`,
    /// with messages that carry neither SQL parameters nor secrets.
    private func mapErrors<T: Sendable>(_ what: String, deadline: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await withThrowingTaskGroup(of: T.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await Deadline.wait(deadline)
                    throw StoreError.unavailable("PostgreSQL did not answer within \(deadline)")
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw StoreError.unavailable("PostgreSQL query was cancelled") }
                return first
            }
        } catch let error as PSQLError {
            throw Self.storeError(error, what: what)
        } catch let error as PostgresTransactionError {
            let cause = error.closureError ?? error.beginError ?? error.commitError
            if let psql = cause as? PSQLError { throw Self.storeError(psql, what: what) }
            throw cause ?? StoreError.unavailable("transaction failed")
        }
    }

    static func storeError(_ error: PSQLError, what: String) -> any Error {
        if let state = error.serverInfo?[.sqlState] {
            if state == "23505" { return StoreError.conflict(what) }
            let message = error.serverInfo?[.message] ?? "error"
            return StoreError.unavailable("PostgreSQL \(state): \(message)")
        }
        return StoreError.unavailable("PostgreSQL: \(error.code.description)")
    }
}

/// One connection inside an open transaction.
struct Transaction {
    let connection: PostgresConnection
    let logger: Logger

    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await connection.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
    }
}
