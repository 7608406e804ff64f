/// Credentials with their sealed fields, written together.
public protocol CredentialStore: Sendable {
    /// Inserts a credential and its sealed values in one transaction.
    func createCredential(_ credential: Credential) async throws
    /// The credential with `id`, whoever owns it (callers check ownership).
    func credential(id: String) async throws -> Credential?
    /// The user's credentials, newest first: at most `limit`, those after the credential `after` when given.
    func credentials(ownerID: String, after: String?, limit: Int) async throws -> [Credential]
    /// The user's credentials in one of `statuses`, newest first: the few that need the user, read without loading
    /// every credential the user has (the warnings on the dashboard's home).
    func credentials(ownerID: String, statuses: Set<CredentialStatus>) async throws -> [Credential]
    /// How many credentials the user has.
    func credentialCount(ownerID: String) async throws -> Int
    /// Replaces the credential (row and sealed values) if its stored version is still `credential.version - 1`;
    /// returns false, writing nothing, when another writer got there first.
    func updateCredential(_ credential: Credential) async throws -> Bool
    /// Deletes the credential, its sealed values and its bindings; returns false if it did not exist.
    func deleteCredential(id: String) async throws -> Bool
}

extension CredentialStore {
    /// All of the user's credentials, newest first.
    public func credentials(ownerID: String) async throws -> [Credential] { try await credentials(ownerID: ownerID, after: nil, limit: Int.max) }
}
