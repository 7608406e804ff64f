import Foundation
import LatchkeyCore

/// An OAuth app: the client id and the redirect URI to register; the secret never leaves.
struct OAuthAppDTO: Encodable {
    let provider: String, clientID: String, clientSecret: String, redirectURI: String, updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case provider
        case clientID = "client_id", clientSecret = "client_secret", redirectURI = "redirect_uri", updatedAt = "updated_at"
    }

    init(_ app: OAuthApp, redirectURI: String) {
        provider = app.provider
        clientID = app.clientID
        clientSecret = CredentialView.mask
        self.redirectURI = redirectURI
        updatedAt = app.updatedAt
    }
}
