import Foundation
import LatchkeyCore

/// A binding.
struct BindingDTO: Encodable {
    let groupID: String, provider: String, credentialID: String, createdAt: Date

    enum CodingKeys: String, CodingKey {
        case provider
        case groupID = "group_id", credentialID = "credential_id", createdAt = "created_at"
    }

    init(_ b: Binding) {
        groupID = b.groupID
        provider = b.provider
        credentialID = b.credentialID
        createdAt = b.createdAt
    }
}
