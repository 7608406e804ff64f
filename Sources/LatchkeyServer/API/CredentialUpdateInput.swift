import Foundation
import LatchkeyCore

/// `PATCH /api/v1/credentials/{id}`: `{"name"?, "fields"?}`, each left as is when absent.
struct CredentialUpdateInput: Decodable, Sendable {
    let name: String?
    let fields: SecretFields?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, fields
    }

    /// The field values to change, checked for type; nil to keep them.
    func fieldValues() throws(LatchkeyError) -> [String: String]? {
        try fields?.values()
    }
}
