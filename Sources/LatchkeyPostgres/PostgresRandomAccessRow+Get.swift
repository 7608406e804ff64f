import PostgresNIO

extension PostgresRandomAccessRow {
    /// The value of `column`, decoded as the type the caller expects.
    func get<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column].decode(T.self)
    }
}
