import Foundation
import LatchkeyCore

/// A warning with its fixing link.
struct WarningDTO: Encodable {
    let kind: String, groupID: String?, credentialID: String?, provider: String, message: String, setupURL: String, lastSeen: Date?

    enum CodingKeys: String, CodingKey {
        case kind, provider, message
        case groupID = "group_id", credentialID = "credential_id", setupURL = "setup_url", lastSeen = "last_seen"
    }

    init(_ w: Warning) {
        kind = w.kind
        groupID = w.groupID
        credentialID = w.credentialID
        provider = w.provider
        message = w.message
        setupURL = w.setupURL
        lastSeen = w.lastSeen
    }
}
