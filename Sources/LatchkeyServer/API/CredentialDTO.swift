import Foundation
import LatchkeyCore

/// A credential as the API shows it: secrets masked.
struct CredentialDTO: Encodable {
    let id: String, provider: String, name: String, authMode: String, status: String, statusReason: String?
    let fields: [String: String], expiresAt: Date?, scopes: [String]?, createdAt: Date, updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, provider, name, status, fields, scopes
        case authMode = "auth_mode", statusReason = "status_reason", expiresAt = "expires_at", createdAt = "created_at", updatedAt = "updated_at"
    }

    init(_ v: CredentialView) {
        id = v.id
        provider = v.provider
        name = v.name
        authMode = v.authMode.rawValue
        status = v.status.rawValue
        statusReason = v.statusReason
        fields = v.fields
        expiresAt = v.expiresAt
        scopes = v.authMode.isOAuth ? v.scopes : nil
        createdAt = v.createdAt
        updatedAt = v.updatedAt
    }
}
