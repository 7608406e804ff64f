/// One page of a list, and the cursor of the next (nil on the last page).
public struct Page<Item: Sendable>: Sendable {
    /// The items of this page.
    public var items: [Item]
    /// Pass as `cursor` for the next page; nil when there is none.
    public var nextCursor: String?

    /// The most items a page holds, and the default.
    public static var maximumLimit: Int { 100 }

    /// Checks a requested page size: 1 to `maximumLimit`, `maximumLimit` when absent.
    public static func limit(_ requested: Int?) throws(LatchkeyError) -> Int {
        guard let requested else { return maximumLimit }
        guard (1...maximumLimit).contains(requested) else {
            throw .validationFailed(field: "limit", message: "'limit' must be between 1 and \(maximumLimit)")
        }
        return requested
    }

    /// Checks a cursor: absent, or the id of a record of this very list (`belongs` answers that); anything else —
    /// another user's record, a deleted one, garbage — is a validation error naming `cursor`.
    public static func check(cursor: String?, belongs: (String) async throws -> Bool) async throws {
        guard let cursor else { return }
        guard cursor.utf8.count <= 64, try await belongs(cursor) else {
            throw LatchkeyError.validationFailed(field: "cursor", message: "'cursor' is not a cursor of this list; start again without it")
        }
    }

    /// A page from up to `limit + 1` fetched items: the extra one only tells that there is a next page, whose cursor
    /// is the id of this page's last item.
    public init(fetched: [Item], limit: Int, id: (Item) -> String) {
        items = Array(fetched.prefix(limit))
        nextCursor = fetched.count > limit ? items.last.map(id) : nil
    }
}
