import Foundation
import GRDB

extension DatabaseSchema {
    /// The schema of the SQLite database at `path`, without SQLite's and GRDB's own tables.
    static func sqlite(path: String) throws -> DatabaseSchema {
        try DatabaseQueue(path: path).read { db in
            var schema = DatabaseSchema()
            schema.migrations = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
            let tables = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'
                """)
            for table in tables {
                var columns: [String: Column] = [:]
                var primaryKey: [(Int, String)] = []
                for row in try Row.fetchAll(db, sql: "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)", arguments: [table]) {
                    let name: String = row["name"], pk: Int = row["pk"]
                    // SQLite lets a non-integer PRIMARY KEY column hold NULL (a legacy quirk); the store never writes
                    // one, and PostgreSQL's primary keys are NOT NULL, so a key column counts as NOT NULL.
                    columns[name] = Column(type: row["type"], notNull: row["notnull"] || pk > 0)
                    if pk > 0 { primaryKey.append((pk, name)) }
                }
                schema.tables[table] = columns
                if !primaryKey.isEmpty {
                    schema.keys.insert("\(table) PRIMARY KEY (\(primaryKey.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: ", ")))")
                }
                for row in try Row.fetchAll(db, sql: "SELECT name, \"unique\", origin FROM pragma_index_list(?)", arguments: [table]) {
                    let name: String = row["name"], origin: String = row["origin"]
                    let indexColumns = try String.fetchAll(db, sql: "SELECT name FROM pragma_index_info(?) ORDER BY seqno", arguments: [name])
                    switch origin {
                    case "u": schema.keys.insert("\(table) UNIQUE (\(indexColumns.joined(separator: ", ")))")
                    case "c":
                        let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", arguments: [name]) ?? ""
                        let predicate = sql.range(of: " WHERE ", options: .caseInsensitive).map { String(sql[$0.upperBound...]) }
                        schema.indexes[name] = Index(table: table, columns: indexColumns, unique: row["unique"], predicate: predicate.map(normalize(predicate:)))
                    default: break  // "pk": the primary key, read above
                    }
                }
                for row in try Row.fetchAll(db, sql: "SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list(?)", arguments: [table]) {
                    let target: String = row["table"], from: String = row["from"], to: String = row["to"], onDelete: String = row["on_delete"]
                    schema.foreignKeys.insert("\(table)(\(from)) -> \(target)(\(to)) ON DELETE \(onDelete)")
                }
            }
            for row in try Row.fetchAll(db, sql: "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'") {
                let table: String = row["tbl_name"], name: String = row["name"]
                schema.triggers.insert("\(table): \(name)")
            }
            return schema
        }
    }
}
