import Foundation
import LatchkeyCore

/// A binding.
struct BindingDTO: Encodable {
    let groupID: String, provider: String, credentialID: String, createdAt: Date
    /// Null when the binding allows everything under the base URL.
    let policy: BindingPolicy?

    enum CodingKeys: String, CodingKey {
        case provider, policy
        case groupID = "group_id", credentialID = "credential_id", createdAt = "created_at"
    }

    init(_ b: Binding) {
        groupID = b.groupID
        provider = b.provider
        credentialID = b.credentialID
        createdAt = b.createdAt
        policy = b.policy
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(groupID, forKey: .groupID)
        try container.encode(provider, forKey: .provider)
        try container.encode(credentialID, forKey: .credentialID)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(policy, forKey: .policy)  // null, not absent
    }
}
