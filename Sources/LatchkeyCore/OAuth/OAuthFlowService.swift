import Foundation

/// The authorization-code flow: building the consent URL (state, PKCE) and finishing it at the callback.
public struct OAuthFlowService: Sendable {
    let store: any Store
    let catalog: Catalog
    let sealer: Sealer
    let requester: TokenRequester
    let clients: OAuthClientSource
    let clock: any WallClock
    let audit: AuditLog
    let quotas: Quotas
    /// The proxy's access cache: a reconnect replaces the token it may remember.
    let cache: AccessCache
    /// The redirect URI registered with providers: `{public_url}/oauth/callback`.
    public let redirectURI: String
    /// How long a started flow may take.
    public static let stateLifetime: TimeInterval = 600

    /// Creates the service.
    public init(store: any Store, catalog: Catalog, sealer: Sealer, requester: TokenRequester, clients: OAuthClientSource, clock: any WallClock, publicURL: String,
                quotas: Quotas = Quotas(), cache: AccessCache = AccessCache(ttl: .zero)) {
        self.quotas = quotas
        self.cache = cache
        self.store = store
        self.catalog = catalog
        self.sealer = sealer
        self.requester = requester
        self.clients = clients
        self.clock = clock
        self.audit = AuditLog(store: store, clock: clock)
        redirectURI = (publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL) + "/oauth/callback"
    }

    /// How long a Latchkey start link (`/oauth/start/…`) made by the API stays usable.
    public static let startLinkLifetime: TimeInterval = 600

    /// Prepares a flow started through the API: checks everything `start` checks, and stores it under a single-use
    /// ticket. Nothing goes to the provider yet: the ticket becomes a provider URL only in a browser that opens
    /// `{public_url}/oauth/start/{ticket}` and is bound there (see `redeem`), so the consent URL itself is never
    /// handed to a script or another person.
    public func prepare(user: User, _ consent: ConsentRequest) async throws -> (ticket: String, expiresAt: Date) {
        let ticket = PKCE.randomToken()
        let request = try await validated(user: user, consent, id: Self.ticketID(ticket), browserBinding: nil, lifetime: Self.startLinkLifetime)
        try await store.createOAuthState(request.state, verifier: nil)
        return (ticket, request.state.expiresAt)
    }

    /// Uses up a start-link ticket: the prepared flow when the ticket exists and has not expired, else nil.
    public func redeem(ticket: String) async throws -> OAuthState? {
        guard !ticket.isEmpty, ticket.utf8.count <= 128 else { return nil }
        return try await store.consumeOAuthState(id: Self.ticketID(ticket), now: clock.now)?.0
    }

    /// Starts a flow for `user` in a browser bound by `browserBinding` (the SHA-256 of a cookie only that browser
    /// holds); returns the provider URL to send the browser to and when the flow expires.
    public func start(user: User, _ consent: ConsentRequest, browserBinding: Data) async throws -> (url: String, expiresAt: Date) {
        let stateValue = PKCE.randomToken()
        let request = try await validated(user: user, consent, id: PKCE.stateID(stateValue), browserBinding: browserBinding, lifetime: Self.stateLifetime)
        let state = request.state, settings = request.settings
        let verifier = settings.pkce ? PKCE.randomToken() : nil
        let sealedVerifier = try await verifier.asyncMap { try await sealer.seal($0, recordID: state.verifierRecordID, field: "code_verifier") }
        try await store.createOAuthState(state, verifier: sealedVerifier)

        var query = [("response_type", "code"), ("client_id", request.clientID), ("redirect_uri", redirectURI), ("state", stateValue)]
        if !state.scopes.isEmpty { query.append((settings.scopeParameter, state.scopes.joined(separator: settings.scopeSeparator))) }
        if let verifier { query += [("code_challenge", PKCE.challenge(for: verifier)), ("code_challenge_method", "S256")] }
        for (key, value) in settings.authorizationParams.sorted(by: { $0.key < $1.key }) where !query.contains(where: { $0.0 == key }) {
            query.append((key, value))
        }
        let base = try TokenRequester.render(request.authorizationURL, state.fields)
        let separator = base.contains("?") ? "&" : "?"
        let url = base + separator + query.map { TokenRequester.formEncode($0.0) + "=" + TokenRequester.formEncode($0.1) }.joined(separator: "&")
        return (url, state.expiresAt)
    }

    /// Checks a request to connect (or reconnect) and returns the flow record it would store.
    private func validated(user: User, _ consent: ConsentRequest, id: String, browserBinding: Data?, lifetime: TimeInterval)
        async throws -> (state: OAuthState, settings: OAuthSettings, authorizationURL: String, clientID: String) {
        let providerID = consent.provider, credentialID = consent.credentialID
        guard let provider = catalog.provider(providerID, visibleTo: user.id) else { throw LatchkeyError.notFound("provider '\(providerID)'") }
        guard provider.authMode == .oauth2, let declared = provider.oauth, declared.authorizationURL != nil || declared.discovered else {
            throw LatchkeyError.validationFailed(field: "provider", message: "\(providerID) does not use the OAuth authorization-code flow")
        }
        var connectFields = consent.fields
        var credentialName = consent.name
        if credentialID == nil, try await store.credentialCount(ownerID: user.id) >= quotas.credentialsPerUser {
            throw Quotas.reached("credentials", quotas.credentialsPerUser)
        }
        if let credentialID {
            guard let existing = try await store.credential(id: credentialID), existing.ownerID == user.id else { throw LatchkeyError.notFound("credential") }
            guard existing.provider == providerID else {
                throw LatchkeyError.validationFailed(field: "credential_id", message: "the credential is for \(existing.provider), not \(providerID)")
            }
            connectFields = existing.publicFields.filter { key, _ in provider.field(named: key) != nil }.merging(connectFields) { $1 }
            credentialName = credentialName ?? existing.name
        }
        try FieldValidator.validate(connectFields, for: provider, partial: false)
        let finalName = try CredentialService.validName(credentialName ?? "")
        // Only now, with the input valid, anything goes out: a remote MCP server's discovery and registration.
        let connection = try await clients.connection(for: provider, fields: connectFields)
        guard let settings = connection.provider.oauth, let authorizationURL = settings.authorizationURL else {
            throw LatchkeyError.validationFailed(field: "provider", message: "\(providerID) does not use the OAuth authorization-code flow")
        }
        connectFields.merge(connection.fields) { $1 }
        let requested = consent.scopes ?? connection.defaultScopes
        for scope in requested where scope.isEmpty || scope.contains(where: { $0 == " " || $0.isNewline }) {
            throw LatchkeyError.validationFailed(field: "scopes", message: "scopes are single words")
        }
        let now = clock.now
        let state = OAuthState(id: id, userID: user.id, provider: providerID, name: finalName, credentialID: credentialID, scopes: requested,
                               fields: connectFields, browserBinding: browserBinding, createdAt: now, expiresAt: now.addingTimeInterval(lifetime))
        return (state, settings, authorizationURL, connection.client.clientID)
    }

    /// Tickets share the flows' table under their own prefix; a state id is bare hex, so neither can pass for the other.
    static func ticketID(_ ticket: String) -> String { "start:" + PKCE.stateID(ticket) }

    /// Finishes a flow at the callback. Nothing is stored unless every check passes and the exchange succeeds;
    /// a bad state never reaches the token endpoint. The browser must be the one bound at the start
    /// (`browserBinding`, the SHA-256 of its cookie) and, when it is signed in (`signedInUserID`), signed in as the
    /// user who started the flow: consent belongs to its starter, so another person's tokens never land in an
    /// account that is not theirs. `callbackQuery` is the callback's whole query, where some providers put values
    /// the provider file declares as connect values (QuickBooks `realmId`).
    public func complete(state stateValue: String?, code: String?, error: String?, browserBinding: Data?, signedInUserID: String?,
                         callbackQuery: [String: String] = [:]) async throws -> OAuthFlowResult {
        guard let stateValue, !stateValue.isEmpty, stateValue.utf8.count <= 512 else { throw OAuthFlowError.missingState }
        let now = clock.now
        guard let (state, sealedVerifier) = try await store.consumeOAuthState(id: PKCE.stateID(stateValue), now: now) else { throw OAuthFlowError.unknownState }
        // Every flow is bound when it starts; one without a binding (made by an older version) is refused, not trusted.
        guard let expected = state.browserBinding, let browserBinding, SecretToken.constantTimeEquals(expected, browserBinding) else {
            throw OAuthFlowError.wrongBrowser
        }
        if let signedInUserID, signedInUserID != state.userID { throw OAuthFlowError.wrongUser }
        if let error { throw OAuthFlowError.denied(error) }
        guard let code, !code.isEmpty else { throw OAuthFlowError.exchangeFailed("the provider sent no code") }
        guard let listed = catalog.provider(state.provider), let settings = listed.oauth else { throw OAuthFlowError.exchangeFailed("the provider left the catalog") }
        let provider: Provider, client: ClientCredentials
        do { (provider, client) = try await clients.tokenClient(for: listed, fields: state.fields) } catch {
            if case .permanent("no_oauth_app") = error { throw OAuthFlowError.noOAuthApp(listed.id) }
            throw OAuthFlowError.exchangeFailed(error.reason)
        }
        let verifier = try await sealedVerifier.asyncMap { try await sealer.open($0, recordID: state.verifierRecordID, field: "code_verifier") }
        var tokens: OAuthTokens
        do {
            let issued = try await requester.exchange(code: code, verifier: verifier, redirectURI: redirectURI, provider: provider, client: client, fields: state.fields)
            tokens = try await requester.longLived(issued, provider: provider, client: client, fields: state.fields)
        } catch {
            throw OAuthFlowError.exchangeFailed(error.reason)
        }
        if let declared = provider.oauth, !declared.connectValues.isEmpty {
            let learnt = try await ConnectValueLearner(http: requester.http).learn(
                declared.connectValues, tokens: tokens, callbackQuery: callbackQuery, fields: state.fields,
                publicAddressOnly: declared.discovered || URLTemplateHost.isFilledFromValues(declared.tokenURL))
            tokens.fields.merge(learnt) { $1 }
        }

        if let credentialID = state.credentialID, let existing = try await store.credential(id: credentialID), existing.ownerID == state.userID {
            let update = try await TokenUpdate.sealing(tokens, for: credentialID, settings: settings, issuedAt: now, with: sealer)
            _ = try await store.replaceTokens(update, publicFields: existing.publicFields.merging(state.fields) { $1 })
            cache.invalidate(credentialID: credentialID)
            try await audit.record(ownerID: state.userID, actor: "user:\(state.userID)", action: "credential.reconnected", targetType: "credential",
                                   targetID: credentialID, detail: ["provider": provider.id])
            guard let fresh = try await store.credential(id: credentialID) else { throw OAuthFlowError.unknownState }
            return OAuthFlowResult(credential: fresh, reconnected: true)
        }
        let id = Identifier.make("crd")
        let update = try await TokenUpdate.sealing(tokens, for: id, settings: settings, issuedAt: now, with: sealer)
        var secrets = ["access_token": update.accessToken]
        secrets["refresh_token"] = update.refreshToken
        let credential = Credential(id: id, ownerID: state.userID, provider: provider.id, name: state.name, authMode: .oauth2,
                                    publicFields: state.fields.merging(tokens.fields) { $1 }, secrets: secrets, expiresAt: update.expiresAt,
                                    scopes: tokens.scopes ?? state.scopes, tokenIssuedAt: now, createdAt: now, updatedAt: now)
        try await store.createCredential(credential)
        try await audit.record(ownerID: state.userID, actor: "user:\(state.userID)", action: "credential.connected", targetType: "credential",
                               targetID: id, detail: ["provider": provider.id, "name": state.name])
        return OAuthFlowResult(credential: credential, reconnected: false)
    }
}
