import Foundation
import LatchkeyCore

/// A group, optionally with its keys and bindings.
struct GroupDTO: Encodable {
    let id: String, name: String, createdAt: Date
    let keys: [AgentKeyDTO]?, bindings: [BindingDTO]?

    enum CodingKeys: String, CodingKey {
        case id, name, keys, bindings
        case createdAt = "created_at"
    }

    init(_ g: AgentGroup, keys: [AgentKey]? = nil, bindings: [Binding]? = nil) {
        id = g.id
        name = g.name
        createdAt = g.createdAt
        self.keys = keys?.map { AgentKeyDTO($0) }
        self.bindings = bindings?.map(BindingDTO.init)
    }
}
