@testable import LatchkeyPostgres

extension DatabaseSchema {
    /// The schema of the store's database (schema `public`), without the migrations' own table.
    static func postgres(_ store: PostgresStore) async throws -> DatabaseSchema {
        var schema = DatabaseSchema()
        // Applied in one transaction, the steps share one `applied_at`: their order is the order of the steps.
        var applied: Set<String> = []
        for row in try await store.rows("schema", "SELECT id FROM latchkey_migrations") { applied.insert(try row.get("id")) }
        schema.migrations = PostgresMigrations.steps.map(\.id).filter(applied.contains) + applied.subtracting(PostgresMigrations.steps.map(\.id)).sorted()
        for row in try await store.rows("schema", """
            SELECT table_name::text AS t, column_name::text AS c, data_type::text AS type, is_nullable::text AS nullable
            FROM information_schema.columns c
            WHERE table_schema = 'public' AND table_name <> 'latchkey_migrations'
              AND EXISTS (SELECT 1 FROM information_schema.tables t
                          WHERE t.table_schema = 'public' AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE')
            """) {
            let table: String = try row.get("t"), nullable: String = try row.get("nullable")
            schema.tables[table, default: [:]][try row.get("c")] = Column(type: try row.get("type"), notNull: nullable == "NO")
        }
        // Every index with its columns in order, and the kind of constraint it backs ('p', 'u', or none).
        for row in try await store.rows("schema", """
            SELECT t.relname::text AS t, i.relname::text AS name, ix.indisunique AS is_unique,
                   (SELECT c.contype::text FROM pg_constraint c WHERE c.conindid = ix.indexrelid AND c.contype IN ('p', 'u') LIMIT 1) AS constraint_kind,
                   pg_get_expr(ix.indpred, ix.indrelid) AS predicate,
                   array_to_string(ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
                                         JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum ORDER BY k.n), ',') AS columns
            FROM pg_index ix
            JOIN pg_class i ON i.oid = ix.indexrelid
            JOIN pg_class t ON t.oid = ix.indrelid
            JOIN pg_namespace ns ON ns.oid = t.relnamespace
            WHERE ns.nspname = 'public' AND t.relname <> 'latchkey_migrations'
            """) {
            let table: String = try row.get("t"), name: String = try row.get("name"), columns: String = try row.get("columns")
            let list = columns.split(separator: ",").map(String.init)
            switch try row.get("constraint_kind", as: String?.self) {
            case "p": schema.keys.insert("\(table) PRIMARY KEY (\(list.joined(separator: ", ")))")
            case "u": schema.keys.insert("\(table) UNIQUE (\(list.joined(separator: ", ")))")
            default:
                let predicate: String? = try row.get("predicate")
                schema.indexes[name] = Index(table: table, columns: list, unique: try row.get("is_unique"), predicate: predicate.map(normalize(predicate:)))
            }
        }
        let actions = ["a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"]
        for row in try await store.rows("schema", """
            SELECT cl.relname::text AS t, a.attname::text AS c, rt.relname::text AS target, ra.attname::text AS target_column,
                   con.confdeltype::text AS on_delete
            FROM pg_constraint con
            JOIN pg_class cl ON cl.oid = con.conrelid
            JOIN pg_class rt ON rt.oid = con.confrelid
            JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
            JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[1]
            JOIN pg_namespace ns ON ns.oid = cl.relnamespace
            WHERE con.contype = 'f' AND ns.nspname = 'public'
            """) {
            let table: String = try row.get("t"), column: String = try row.get("c"), target: String = try row.get("target")
            let targetColumn: String = try row.get("target_column"), code: String = try row.get("on_delete")
            schema.foreignKeys.insert("\(table)(\(column)) -> \(target)(\(targetColumn)) ON DELETE \(actions[code] ?? code)")
        }
        for row in try await store.rows("schema", """
            SELECT c.relname::text AS t, tg.tgname::text AS name FROM pg_trigger tg
            JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace ns ON ns.oid = c.relnamespace
            WHERE NOT tg.tgisinternal AND ns.nspname = 'public'
            """) {
            let table: String = try row.get("t"), name: String = try row.get("name")
            schema.triggers.insert("\(table): \(name)")
        }
        return schema
    }
}
