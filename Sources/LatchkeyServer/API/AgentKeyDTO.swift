import Foundation
import LatchkeyCore

/// An agent key by its public prefix; `key` only in the creation response.
struct AgentKeyDTO: Encodable {
    let id: String, prefix: String, createdAt: Date, key: String?

    enum CodingKeys: String, CodingKey {
        case id, prefix, key
        case createdAt = "created_at"
    }

    init(_ k: AgentKey, key: String? = nil) {
        id = k.id
        prefix = "lka_" + k.prefix
        createdAt = k.createdAt
        self.key = key
    }
}
