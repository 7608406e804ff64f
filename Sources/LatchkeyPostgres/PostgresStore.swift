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
    private let runner: Task<Void, Never>

    /// Connects a pool to `url` (see `PostgresURL`) and starts it. Call `migrate()` before use and `close()` at the end.
    public init(url: String, logger: Logger) throws(PostgresURLError) {
        let parsed = try PostgresURL(url)
        self.logger = logger
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

    public func ping() async -> Bool {
        guard let rows = try? await client.query("SELECT 1::bigint", logger: logger).collect(), let row = rows.first else { return false }
        return (try? row.decode(Int.self)) == 1
    }

    /// Runs one statement and collects its rows. `what` names the record for conflict errors.
    @discardableResult
    func rows(_ what: String, _ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await mapErrors(what) {
            try await client.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
        }
    }

    /// Runs `body` in one transaction on one pooled connection; it commits when `body` returns and rolls back when it
    /// throws.
    func transaction<T: Sendable>(_ what: String, _ body: (Transaction) async throws -> T) async throws -> T {
        try await mapErrors(what) {
            try await client.withTransaction(logger: logger) { connection in
                try await body(Transaction(connection: connection, logger: logger))
            }
        }
    }

    /// Turns unique violations into `StoreError.conflict` and connection failures into `StoreError.unavailable`,
    /// with messages that carry neither SQL parameters nor secrets.
    private func mapErrors<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
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
