import Foundation

extension MemoryStore {
    public func oauthRegistration(issuer: String, redirectURI: String) async throws -> OAuthRegistration? {
        registration(id: OAuthRegistration.recordID(issuer: issuer, redirectURI: redirectURI))
    }

    public func oauthRegistration(issuer: String, clientID: String) async throws -> OAuthRegistration? {
        let first = tables.registrations.filter { $0.value.issuer == issuer && $0.value.clientID == clientID }.min { $0.value.createdAt < $1.value.createdAt }
        return first.flatMap { registration(id: $0.key) }
    }

    public func createOAuthRegistration(_ registration: OAuthRegistration) async throws -> OAuthRegistration {
        // The first one stored wins; a second server racing gets it back.
        if let existing = self.registration(id: registration.recordID) { return existing }
        if registration.clientSecret != nil, sealedValuesExist(registration.recordID, fields: ["client_secret"]) {
            throw StoreError.conflict("oauth registration")
        }
        var stored = registration
        stored.clientSecret = nil
        tables.registrations[registration.recordID] = stored
        if let secret = registration.clientSecret { putSealedValue(secret, recordID: registration.recordID, field: "client_secret") }
        return registration
    }

    public func updateOAuthRegistrationMetadata(issuer: String, redirectURI: String, metadataJSON: String, at: Date) async throws {
        let id = OAuthRegistration.recordID(issuer: issuer, redirectURI: redirectURI)
        tables.registrations[id]?.metadataJSON = metadataJSON
        tables.registrations[id]?.updatedAt = at
    }

    /// The registration stored under `id`, with its secret from the sealed values (where key rotation rewrites it).
    private func registration(id: String) -> OAuthRegistration? {
        guard var registration = tables.registrations[id] else { return nil }
        registration.clientSecret = secrets(of: id)["client_secret"]
        return registration
    }
}
