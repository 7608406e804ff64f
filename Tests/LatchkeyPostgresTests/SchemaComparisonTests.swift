import Foundation
import LatchkeySQLite
@testable import LatchkeyPostgres
import Testing

/// The SQLite and PostgreSQL schemas, each freshly migrated, describe the same database: the same tables, columns,
/// keys, foreign keys, indexes and (from `v6-schema-parity` on) the same migration ids. A difference is either fixed
/// by a new migration on the backend that lacks it or listed below with its reason.
@Suite(.enabled(if: TemporaryPostgres.available, "needs LATCHKEY_TEST_POSTGRES_URL (scripts/test.sh starts a server)"))
struct SchemaComparisonTests {
    /// SQLite's declared type and the PostgreSQL types that hold the same values. SQLite has no boolean and no
    /// timestamp: flags are INTEGER 0/1 (PostgreSQL `boolean`) and times REAL seconds since 1970 (`timestamptz`).
    static let typeMapping: [String: Set<String>] = [
        "TEXT": ["text"],
        "INTEGER": ["bigint", "integer", "boolean"],
        "BLOB": ["bytea"],
        "REAL": ["timestamp with time zone", "double precision"],
    ]

    /// The migrations each backend shipped before their ids were shared. PostgreSQL support came later, with one
    /// step (`v1-schema`) for what SQLite had built in three; shipped ids are never renamed, so these stay apart.
    static let historicalMigrations = (
        sqlite: ["v1-foundation", "v2-oauth-refresh", "v3-dashboard", "v4-budgets", "v5-oauth-registrations"],
        postgres: ["v1-schema", "v2-budgets", "v3-oauth-registrations"]
    )

    /// Both schemas, read once for every test of the suite (one fresh database of each kind).
    static let read = Task { () async throws -> (sqlite: DatabaseSchema, postgres: DatabaseSchema) in
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("latchkey-schema-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("latchkey.db").path
        try await SQLiteStore(path: path).migrate()
        let sqlite = try DatabaseSchema.sqlite(path: path)
        let postgres = try await TemporaryPostgres.withStore { store in try await DatabaseSchema.postgres(store) }
        return (sqlite, postgres)
    }

    func schemas() async throws -> (sqlite: DatabaseSchema, postgres: DatabaseSchema) { try await Self.read.value }

    @Test func bothBackendsHaveTheSameTablesColumnsKeysAndIndexes() async throws {
        let (sqlite, postgres) = try await schemas()
        #expect(sqlite.tables.keys.sorted() == postgres.tables.keys.sorted(), "tables")
        for (table, columns) in sqlite.tables {
            guard let other = postgres.tables[table] else { continue }
            #expect(columns.keys.sorted() == other.keys.sorted(), "columns of \(table)")
            for (name, column) in columns {
                guard let pg = other[name] else { continue }
                #expect(Self.typeMapping[column.type]?.contains(pg.type) == true, "\(table).\(name): SQLite \(column.type), PostgreSQL \(pg.type)")
                #expect(column.notNull == pg.notNull, "\(table).\(name): SQLite \(column), PostgreSQL \(pg)")
            }
        }
        #expect(sqlite.keys.subtracting(postgres.keys).sorted() == [], "keys only SQLite has")
        #expect(postgres.keys.subtracting(sqlite.keys).sorted() == [], "keys only PostgreSQL has")
        #expect(sqlite.foreignKeys.subtracting(postgres.foreignKeys).sorted() == [], "foreign keys only SQLite has")
        #expect(postgres.foreignKeys.subtracting(sqlite.foreignKeys).sorted() == [], "foreign keys only PostgreSQL has")
        #expect(sqlite.indexes.keys.sorted() == postgres.indexes.keys.sorted(), "index names")
        for (name, index) in sqlite.indexes {
            guard let other = postgres.indexes[name] else { continue }
            #expect(index == other, "index \(name): SQLite \(index), PostgreSQL \(other)")
        }
        #expect(sqlite.triggers.sorted() == postgres.triggers.sorted(), "triggers")
        #expect(sqlite.triggers.contains("credentials: access_changes_credential_update"), "the change log's triggers are there")
    }

    @Test func migrationsAfterTheHistoricalOnesHaveTheSameIds() async throws {
        let (sqlite, postgres) = try await schemas()
        let history = Self.historicalMigrations
        #expect(Array(sqlite.migrations.prefix(history.sqlite.count)) == history.sqlite)
        #expect(Array(postgres.migrations.prefix(history.postgres.count)) == history.postgres)
        let sharedSQLite = Array(sqlite.migrations.dropFirst(history.sqlite.count))
        let sharedPostgres = Array(postgres.migrations.dropFirst(history.postgres.count))
        #expect(!sharedSQLite.isEmpty, "the shared ids start with v6-schema-parity")
        #expect(sharedSQLite == sharedPostgres, "a new migration gets the same id on both backends, even where one has nothing to do")
    }
}
