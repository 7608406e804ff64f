import Foundation

extension MemoryStore {
    public func refreshCandidates(after: String?, limit: Int) async throws -> [RefreshCandidate] {
        tables.credentials.values
            .filter { [AuthMode.oauth2, .oauth2ClientCredentials].contains($0.credential.authMode) && [CredentialStatus.active, .refreshFailing].contains($0.credential.status) }
            .filter { row in after.map { $0.utf8.lexicographicallyPrecedes(row.credential.id.utf8) } ?? true }
            .sorted { $0.credential.id.utf8.lexicographicallyPrecedes($1.credential.id.utf8) }
            .prefix(limit)
            .map { row in
                let c = row.credential
                let sealed = tables.sealedValues[c.id] ?? [:]
                return RefreshCandidate(id: c.id, provider: c.provider, status: c.status, expiresAt: c.expiresAt, tokenIssuedAt: c.tokenIssuedAt,
                                        nextRefreshAt: c.nextRefreshAt, hasAccessToken: sealed["access_token"] != nil,
                                        hasRefreshToken: sealed["refresh_token"] != nil, createdAt: c.createdAt)
            }
    }

    public func acquireRefreshLease(credentialID: String, owner: String, until: Date, now: Date) async throws -> Credential? {
        // Decided and written in one step: nobody (the owner included) may hold an unexpired lease.
        guard var row = tables.credentials[credentialID] else { return nil }
        if row.leaseOwner != nil {
            guard let expires = row.leaseExpiresAt, expires < now else { return nil }
        }
        row.leaseOwner = owner
        row.leaseExpiresAt = until
        tables.credentials[credentialID] = row
        return fetchCredential(id: credentialID)
    }

    public func refreshLeaseOwner(credentialID: String) async throws -> String? {
        tables.credentials[credentialID]?.leaseOwner
    }

    public func takeOverRefreshLease(credentialID: String, deadOwner: String, owner: String, until: Date, now: Date) async throws -> Credential? {
        // Decided and written in one step: free, expired, or still held by the holder the caller found gone.
        guard var row = tables.credentials[credentialID] else { return nil }
        if let holder = row.leaseOwner, holder != deadOwner {
            guard let expires = row.leaseExpiresAt, expires < now else { return nil }
        }
        row.leaseOwner = owner
        row.leaseExpiresAt = until
        tables.credentials[credentialID] = row
        return fetchCredential(id: credentialID)
    }

    public func releaseRefreshLease(credentialID: String, owner: String) async throws {
        guard tables.credentials[credentialID]?.leaseOwner == owner else { return }
        tables.credentials[credentialID]?.leaseOwner = nil
        tables.credentials[credentialID]?.leaseExpiresAt = nil
    }

    public func finishRefresh(_ update: TokenUpdate, owner: String) async throws -> Credential? {
        guard let row = tables.credentials[update.credentialID], row.leaseOwner == owner else { return nil }
        applyTokens(update, publicFields: row.credential.publicFields.merging(update.tokenFields) { $1 }, scopes: update.scopes ?? row.credential.scopes)
        return fetchCredential(id: update.credentialID)
    }

    public func failRefresh(credentialID: String, owner: String, status: CredentialStatus, reason: String, failures: Int, nextAttempt: Date?) async throws -> Bool {
        guard var row = tables.credentials[credentialID], row.leaseOwner == owner else { return false }
        logAccessChange(.credential, credentialID)
        row.credential.status = status
        row.credential.statusReason = reason
        row.credential.refreshFailures = failures
        row.credential.nextRefreshAt = nextAttempt
        row.credential.version += 1
        row.credential.updatedAt = clock.now
        row.leaseOwner = nil
        row.leaseExpiresAt = nil
        tables.credentials[credentialID] = row
        return true
    }

    public func replaceTokens(_ update: TokenUpdate, publicFields: [String: String]) async throws -> Bool {
        guard let row = tables.credentials[update.credentialID] else { return false }
        applyTokens(update, publicFields: publicFields.merging(update.tokenFields) { $1 }, scopes: update.scopes ?? row.credential.scopes)
        return true
    }

    /// One step: the access token, the refresh token (when rotated) and the expiry change together; the lease goes.
    private func applyTokens(_ update: TokenUpdate, publicFields: [String: String], scopes: [String]) {
        guard var row = tables.credentials[update.credentialID] else { return }
        logAccessChange(.credential, update.credentialID)
        row.credential.status = .active
        row.credential.statusReason = nil
        row.credential.publicFields = publicFields
        row.credential.expiresAt = update.expiresAt
        row.credential.scopes = scopes
        row.credential.tokenIssuedAt = update.issuedAt
        row.credential.refreshFailures = 0
        row.credential.nextRefreshAt = nil
        row.credential.version += 1
        row.credential.updatedAt = clock.now
        row.leaseOwner = nil
        row.leaseExpiresAt = nil
        tables.credentials[update.credentialID] = row
        putSealedValue(update.accessToken, recordID: update.credentialID, field: "access_token")
        if let refresh = update.refreshToken { putSealedValue(refresh, recordID: update.credentialID, field: "refresh_token") }
    }
}
