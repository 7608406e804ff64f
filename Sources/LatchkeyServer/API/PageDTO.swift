import Hummingbird
import LatchkeyCore

/// A page of a list: `{"<name>": [...], "next_cursor": "…" | null}`.
struct PageDTO<Item: Encodable>: Encodable {
    let name: String
    let items: [Item]
    let nextCursor: String?

    init<Source>(_ name: String, _ page: Page<Source>, _ transform: (Source) -> Item) {
        self.name = name
        items = page.items.map(transform)
        nextCursor = page.nextCursor
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(items, forKey: Key(stringValue: name))
        try container.encode(nextCursor, forKey: Key(stringValue: "next_cursor"))
    }

    /// `?limit=` and `?cursor=` of a list request; a `limit` that is not a number names the field.
    static func query(_ request: Request) throws -> (cursor: String?, limit: Int?) {
        let query = request.uri.queryParameters
        var limit: Int?
        if let text = query["limit"] {
            guard let value = Int(String(text)) else { throw LatchkeyError.validationFailed(field: "limit", message: "'limit' must be a number from 1 to 100") }
            limit = value
        }
        return (query["cursor"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }, limit)
    }
}
