/// What the schema comparison compares, read from a migrated database: tables, columns, constraints, indexes and the
/// migrations applied. Types are kept as the database names them; the comparison maps them.
struct DatabaseSchema: Sendable {
    /// One column: its declared type and whether it refuses NULL.
    struct Column: Sendable, Equatable, CustomStringConvertible {
        var type: String
        var notNull: Bool
        var description: String { "\(type)\(notNull ? " NOT NULL" : "")" }
    }

    /// One named index: its table, columns in order, uniqueness and the condition of a partial index, normalized
    /// (no casts, parentheses or spaces) so both databases spell it alike.
    struct Index: Sendable, Equatable, CustomStringConvertible {
        var table: String
        var columns: [String]
        var unique: Bool
        var predicate: String?
        var description: String { "\(unique ? "UNIQUE " : "")\(table)(\(columns.joined(separator: ", ")))\(predicate.map { " WHERE \($0)" } ?? "")" }
    }

    /// Migration ids in the order they were applied.
    var migrations: [String] = []
    /// Columns by table, then by name.
    var tables: [String: [String: Column]] = [:]
    /// Primary keys and unique constraints, as `table PRIMARY KEY (a, b)` and `table UNIQUE (a, b)`: the indexes
    /// behind them are named by each database its own way, so they are compared by what they constrain.
    var keys: Set<String> = []
    /// Foreign keys, as `table(column) -> table(column) ON DELETE action`.
    var foreignKeys: Set<String> = []
    /// Indexes created by name (not those behind a key), by name.
    var indexes: [String: Index] = [:]
    /// Triggers, as `table: name` (those that write the access change log).
    var triggers: Set<String> = []

    /// A partial index's condition without casts, parentheses, quotes' spacing or case differences.
    static func normalize(predicate: String) -> String {
        predicate.replacingOccurrences(of: "::text", with: "")
            .filter { !"() ".contains($0) }
            .lowercased()
    }
}
