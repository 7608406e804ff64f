import Foundation
import GRDB
import GRDBSQLite

/// The current row of a statement being stepped, read by column index. A GRDB `Row` lowercases every column name into
/// a lookup table each time a statement is fetched, which for the single-row reads of a refresh (the leased
/// credential, the credential as written, their sealed values) cost more than the reads themselves.
struct Columns {
    let statement: SQLiteStatement

    func isNull(_ index: Int32) -> Bool { sqlite3_column_type(statement, index) == SQLITE_NULL }
    func text(_ index: Int32) -> String { String(sqliteStatement: statement, index: index) }
    func optionalText(_ index: Int32) -> String? { isNull(index) ? nil : text(index) }
    func double(_ index: Int32) -> Double { sqlite3_column_double(statement, index) }
    func optionalDouble(_ index: Int32) -> Double? { isNull(index) ? nil : double(index) }
    func int(_ index: Int32) -> Int { Int(sqlite3_column_int64(statement, index)) }
    func data(_ index: Int32) -> Data { Data(sqliteStatement: statement, index: index) }
}
