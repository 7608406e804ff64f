import Foundation

extension MemoryStore {
    /// A row of `credentials`: the credential without its sealed values (those are in `sealedValues`), and its lease.
    struct CredentialRow: Sendable {
        var credential: Credential
        var leaseOwner: String?
        var leaseExpiresAt: Date?
        let sequence: Int
    }

    public func createCredential(_ credential: Credential) async throws {
        guard tables.credentials[credential.id] == nil, !sealedValuesExist(credential.id, fields: credential.secrets.keys) else { throw StoreError.conflict("credential") }
        guard tables.users[credential.ownerID] != nil else { throw Self.missing("user") }
        var stored = credential
        stored.secrets = [:]
        tables.credentials[credential.id] = CredentialRow(credential: stored, sequence: nextSequence())
        writeSecrets(of: credential)
    }

    public func credential(id: String) async throws -> Credential? { fetchCredential(id: id) }

    public func credentials(ownerID: String, statuses: Set<CredentialStatus>) async throws -> [Credential] {
        try await credentials(ownerID: ownerID).filter { statuses.contains($0.status) }
    }

    public func credentials(ownerID: String, after: String?, limit: Int) async throws -> [Credential] {
        // Newest first, ties by id; a page starts right after the cursor's credential in that order (and a cursor
        // naming no credential gives an empty page, as the SQL's join with it does).
        let newestFirst: (Credential, Credential) -> Bool = { a, b in
            a.createdAt != b.createdAt ? a.createdAt > b.createdAt : Self.precedes(a.id, b.id)
        }
        var rows = tables.credentials.values.map(\.credential).filter { $0.ownerID == ownerID }
        if let after {
            guard let cursor = tables.credentials[after]?.credential else { return [] }
            rows = rows.filter { newestFirst(cursor, $0) }
        }
        return rows.sorted(by: newestFirst).prefix(max(limit, 0)).map { withSecrets($0) }
    }

    public func credentialCount(ownerID: String) async throws -> Int {
        tables.credentials.values.count(where: { $0.credential.ownerID == ownerID })
    }

    public func updateCredential(_ credential: Credential) async throws -> Bool {
        guard var row = tables.credentials[credential.id], row.credential.version == credential.version - 1 else { return false }
        logAccessChange(.credential, credential.id)
        // The columns the SQL's UPDATE sets; owner, provider, auth mode, creation time and the lease stay.
        row.credential.name = credential.name
        row.credential.status = credential.status
        row.credential.statusReason = credential.statusReason
        row.credential.publicFields = credential.publicFields
        row.credential.expiresAt = credential.expiresAt
        row.credential.scopes = credential.scopes
        row.credential.version = credential.version
        row.credential.updatedAt = credential.updatedAt
        row.credential.tokenIssuedAt = credential.tokenIssuedAt
        row.credential.refreshFailures = credential.refreshFailures
        row.credential.nextRefreshAt = credential.nextRefreshAt
        tables.credentials[credential.id] = row
        deleteSealedValues(of: credential.id)
        writeSecrets(of: credential)
        return true
    }

    public func deleteCredential(id: String) async throws -> Bool {
        let deleted = tables.credentials.removeValue(forKey: id) != nil
        if deleted { logAccessChange(.credential, id) }
        // ON DELETE CASCADE from tables.bindings.credential_id.
        for binding in tables.bindings.values where binding.credentialID == id { logAccessChange(.group, binding.groupID) }
        tables.bindings = tables.bindings.filter { $0.value.credentialID != id }
        deleteSealedValues(of: id)
        return deleted
    }

    /// The credential with its sealed values.
    func fetchCredential(id: String) -> Credential? {
        tables.credentials[id].map { withSecrets($0.credential) }
    }

    /// `credential` with its sealed values as stored.
    func withSecrets(_ credential: Credential) -> Credential {
        var whole = credential
        whole.secrets = secrets(of: credential.id)
        return whole
    }

    private func writeSecrets(of credential: Credential) {
        for (field, value) in credential.secrets { putSealedValue(value, recordID: credential.id, field: field) }
    }
}
