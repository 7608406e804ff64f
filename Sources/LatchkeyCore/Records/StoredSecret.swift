/// One sealed value with where it belongs, as `keys rotate` walks them.
public struct StoredSecret: Sendable, Equatable {
    /// The owning record's id (authenticated data).
    public var recordID: String
    /// The field name (authenticated data).
    public var field: String
    /// The sealed bytes.
    public var value: SealedValue

    /// Creates a stored secret.
    public init(recordID: String, field: String, value: SealedValue) {
        self.recordID = recordID
        self.field = field
        self.value = value
    }
}
