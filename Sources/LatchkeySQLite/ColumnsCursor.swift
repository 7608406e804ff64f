import GRDB
import GRDBSQLite

/// Steps a statement, giving each row as `Columns` (valid until the next step), without making a `Row`.
final class ColumnsCursor: DatabaseCursor {
    typealias Element = Columns
    let _statement: Statement
    var _isDone = false

    init(_ statement: Statement, arguments: StatementArguments) throws {
        _statement = statement
        try statement.setArguments(arguments)
    }

    deinit {
        // A statement left part-way (a first row read, the rest not) would keep its read open.
        sqlite3_reset(_statement.sqliteStatement)
    }

    func _element(sqliteStatement: SQLiteStatement) -> Columns {
        Columns(statement: sqliteStatement)
    }
}
