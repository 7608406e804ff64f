import Foundation
import LatchkeyCore

/// `POST /api/v1/credentials`: `{"provider", "name", "fields"}`; `fields.expires_in` may be a number (a token import).
struct CredentialCreateInput: Decodable, Sendable {
    let provider: String
    let name: String
    let fields: SecretFields?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case provider, name, fields
    }

    /// The field values, checked for type.
    func fieldValues() throws(LatchkeyError) -> [String: String] {
        try fields?.values(numbersAllowedFor: ["expires_in"]) ?? [:]
    }
}
