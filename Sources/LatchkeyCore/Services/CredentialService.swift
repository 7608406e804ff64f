import Foundation

/// Creating, reading, changing and deleting users' credentials.
public struct CredentialService: Sendable {
    let store: any Store
    let catalog: Catalog
    let sealer: Sealer
    let audit: AuditLog
    let clock: any WallClock
    /// Emptied after every write that changes what an agent key resolves to (and only then).
    let cache: AccessCache
    /// How many credentials a user may hold.
    let quotas: Quotas

    /// Creates the service.
    public init(store: any Store, catalog: Catalog, sealer: Sealer, clock: any WallClock, cache: AccessCache = AccessCache(ttl: .zero), quotas: Quotas = Quotas()) {
        self.quotas = quotas
        self.store = store
        self.catalog = catalog
        self.sealer = sealer
        self.clock = clock
        self.cache = cache
        self.audit = AuditLog(store: store, clock: clock)
    }

    /// Stores a new credential for `owner`: a static one (api_key, basic, custom) or imported OAuth tokens.
    public func create(owner: User, provider providerID: String, name: String, fields: [String: String]) async throws -> CredentialView {
        guard let provider = catalog.provider(providerID, visibleTo: owner.id) else {
            throw LatchkeyError.validationFailed(field: "provider", message: "'\(providerID)' is not in the catalog")
        }
        let name = try Self.validName(name)
        try await checkQuota(owner: owner)
        let now = clock.now
        var credential = Credential(id: Identifier.make("crd"), ownerID: owner.id, provider: provider.id, name: name, authMode: provider.authMode, createdAt: now, updatedAt: now)
        switch provider.authMode {
        case .oauth2ClientCredentials:
            // Such tokens are minted with the deployment's own OAuth app, not with anything the user holds: letting a
            // member create one would hand them whatever the admin-configured app may do. Admins only.
            guard owner.role == .admin else {
                throw LatchkeyError.forbidden("only admins may create \(provider.id) credentials: their tokens are minted with the deployment's own OAuth app")
            }
            // Tokens come from the OAuth app; the caller fetches the first one right after.
            try FieldValidator.validate(fields, for: provider, partial: false)
            credential.publicFields = fields
        case .oauth2:
            try await applyImportedTokens(fields, provider: provider, to: &credential)
        case .apiKey, .basic, .custom, .none:
            try FieldValidator.validate(fields, for: provider, partial: false)
            try await apply(fields, provider: provider, to: &credential)
        }
        try await store.createCredential(credential)
        try await audit.record(ownerID: owner.id, actor: "user:\(owner.id)", action: provider.authMode.isOAuth ? "credential.imported" : "credential.created",
                               targetType: "credential", targetID: credential.id, detail: ["provider": provider.id, "name": name])
        return CredentialView(credential)
    }

    /// All of the owner's credentials, masked (bounded by the quota).
    public func list(owner: User) async throws -> [CredentialView] {
        try await store.credentials(ownerID: owner.id).map(CredentialView.init)
    }

    /// A page of the owner's credentials, masked, newest first; `cursor` is a `nextCursor` from the page before.
    public func list(owner: User, cursor: String?, limit: Int?) async throws -> Page<CredentialView> {
        let limit = try Page<CredentialView>.limit(limit)
        try await Page<CredentialView>.check(cursor: cursor) { try await store.credential(id: $0)?.ownerID == owner.id }
        let fetched = try await store.credentials(ownerID: owner.id, after: cursor, limit: limit + 1)
        return Page(fetched: fetched.map(CredentialView.init), limit: limit) { $0.id }
    }

    /// Refuses a new credential when the owner holds as many as the quota allows.
    public func checkQuota(owner: User) async throws {
        guard try await store.credentialCount(ownerID: owner.id) < quotas.credentialsPerUser else {
            throw Quotas.reached("credentials", quotas.credentialsPerUser)
        }
    }

    /// One of the owner's credentials, masked; another user's answers not found.
    public func get(owner: User, id: String) async throws -> CredentialView {
        CredentialView(try await owned(owner: owner, id: id))
    }

    /// Renames and/or changes field values; a secret field left out keeps its value.
    public func update(owner: User, id: String, name: String?, fields: [String: String]?) async throws -> CredentialView {
        for _ in 0..<5 {
            var credential = try await owned(owner: owner, id: id)
            guard let provider = catalog.provider(credential.provider) else { throw LatchkeyError.unknownProvider(credential.provider) }
            if let name { credential.name = try Self.validName(name) }
            if let fields, !fields.isEmpty {
                guard !provider.authMode.isOAuth || fields.keys.allSatisfy({ provider.field(named: $0) != nil }) else {
                    throw LatchkeyError.validationFailed(field: "fields", message: "OAuth tokens change through reconnecting, not through PATCH")
                }
                try FieldValidator.validate(fields, for: provider, partial: true)
                try await apply(fields, provider: provider, to: &credential)
            }
            credential.version += 1
            credential.updatedAt = clock.now
            if try await store.updateCredential(credential) {
                cache.invalidateAll()
                try await audit.record(ownerID: owner.id, actor: "user:\(owner.id)", action: "credential.updated", targetType: "credential", targetID: id,
                                       detail: ["changed": ((name == nil ? [] : ["name"]) + (fields?.keys.sorted() ?? [])).joined(separator: ",")])
                return CredentialView(credential)
            }
            // A concurrent writer (a refresh, another edit) won; re-read and apply the change again.
        }
        throw LatchkeyError.conflict("the credential kept changing while it was being updated; try again")
    }

    /// Deletes one of the owner's credentials and its bindings. Returns it, so callers can revoke at the provider.
    @discardableResult
    public func delete(owner: User, id: String) async throws -> Credential {
        let credential = try await owned(owner: owner, id: id)
        guard try await store.deleteCredential(id: id) else { throw LatchkeyError.notFound("credential") }
        cache.invalidateAll()
        try await audit.record(ownerID: owner.id, actor: "user:\(owner.id)", action: "credential.deleted", targetType: "credential", targetID: id,
                               detail: ["provider": credential.provider, "name": credential.name])
        return credential
    }

    /// The credential if `owner` owns it; otherwise not found, exactly as if it did not exist.
    public func owned(owner: User, id: String) async throws -> Credential {
        guard let credential = try await store.credential(id: id), credential.ownerID == owner.id else { throw LatchkeyError.notFound("credential") }
        return credential
    }

    /// Decrypts a credential's values (public and secret) for injection.
    public func values(of credential: Credential) async throws -> [String: String] {
        var values = credential.publicFields
        for (field, sealed) in credential.secrets { values[field] = try await sealer.open(sealed, recordID: credential.id, field: field) }
        return values
    }

    static func validName(_ name: String) throws(LatchkeyError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .validationFailed(field: "name", message: "'name' must not be empty") }
        guard trimmed.count <= 200, !trimmed.unicodeScalars.contains(where: isRefusedInName) else {
            throw .validationFailed(field: "name", message: "'name' must be at most 200 printable characters, without control or text-direction characters")
        }
        return trimmed
    }

    /// C0 and C1 controls, DEL, line and paragraph separators, and the characters that reorder text (bidi embeddings,
    /// overrides, isolates and marks): a name shown in a list must read as what it is (`crd_…` ← `…dc` tricks).
    static func isRefusedInName(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069, 0x061C: true
        default: false
        }
    }

    private func apply(_ fields: [String: String], provider: Provider, to credential: inout Credential) async throws {
        for (name, value) in fields {
            guard let field = provider.field(named: name) else { continue }
            if field.secret {
                credential.secrets[name] = try await sealer.seal(value, recordID: credential.id, field: name)
                credential.publicFields.removeValue(forKey: name)
            } else {
                credential.publicFields[name] = value
                credential.secrets.removeValue(forKey: name)
            }
        }
    }

    /// Imports tokens obtained elsewhere: `access_token`, optional `refresh_token`, `expires_at` (RFC 3339) or `expires_in`,
    /// and the provider's connect values, checked against their patterns: every one the connect learns from the callback
    /// or the token response; one it learns with a follow-up request may be left out and is then learnt on first use.
    private func applyImportedTokens(_ fields: [String: String], provider: Provider, to credential: inout Credential) async throws {
        let tokenKeys: Set<String> = ["access_token", "refresh_token", "expires_at", "expires_in", "scope"]
        let connectValues = provider.oauth?.connectValues ?? []
        var declared: [String: String] = [:]
        for (name, value) in fields where !tokenKeys.contains(name) && !connectValues.contains(where: { $0.name == name }) { declared[name] = value }
        try FieldValidator.validate(declared, for: provider, partial: false)
        for value in connectValues {
            guard let text = fields[value.name] else {
                // Learnt with the imported token on the first proxied call, as for a credential connected before
                // the value was declared; one only the callback or the token response carried cannot be.
                if value.isLearntLater { continue }
                throw LatchkeyError.validationFailed(field: "fields.\(value.name)", message: "importing tokens for \(provider.id) needs '\(value.name)', which a connect learns from the provider")
            }
            guard value.accepts(text) else {
                throw LatchkeyError.validationFailed(field: "fields.\(value.name)", message: "'\(value.name)' does not have the expected format")
            }
            declared[value.name] = text
        }
        guard let access = fields["access_token"], !access.isEmpty else {
            throw LatchkeyError.validationFailed(field: "fields.access_token", message: "importing OAuth tokens needs 'access_token'")
        }
        let tokenField = CredentialField(name: "access_token", label: "Access token")
        try FieldValidator.check(access, field: tokenField)
        if let refresh = fields["refresh_token"] { try FieldValidator.check(refresh, field: CredentialField(name: "refresh_token", label: "Refresh token")) }
        switch (fields["expires_at"], fields["expires_in"]) {
        case (let at?, nil):
            guard let date = ISO8601DateFormatter().date(from: at) else {
                throw LatchkeyError.validationFailed(field: "fields.expires_at", message: "'expires_at' must be an RFC 3339 time such as 2026-01-31T12:00:00Z")
            }
            credential.expiresAt = date
        case (nil, let seconds?):
            guard let value = Int(seconds), value > 0 else {
                throw LatchkeyError.validationFailed(field: "fields.expires_in", message: "'expires_in' must be a positive number of seconds")
            }
            credential.expiresAt = clock.now.addingTimeInterval(TimeInterval(value))
        case (nil, nil):
            if let ttl = provider.oauth?.defaultTokenTTL { credential.expiresAt = clock.now.addingTimeInterval(TimeInterval(ttl)) }
        case (_?, _?):
            throw LatchkeyError.validationFailed(field: "fields.expires_in", message: "give 'expires_at' or 'expires_in', not both")
        }
        if let scope = fields["scope"] {
            credential.scopes = scope.split(separator: Character(provider.oauth?.scopeSeparator.first.map(String.init) ?? " ")).map(String.init)
        }
        credential.publicFields = declared
        credential.secrets["access_token"] = try await sealer.seal(access, recordID: credential.id, field: "access_token")
        if let refresh = fields["refresh_token"], !refresh.isEmpty {
            credential.secrets["refresh_token"] = try await sealer.seal(refresh, recordID: credential.id, field: "refresh_token")
        }
    }
}
