import Foundation
import Synchronization

/// Opens the OAuth app of a provider for token requests. Opened apps are kept for a moment, so a refresh pass over
/// thousands of credentials does not read and decrypt the same app for each one; an admin's change takes effect
/// within `cacheLifetime`.
public final class OAuthClientSource: Sendable {
    let store: any Store
    let sealer: Sealer
    let clock: any WallClock
    private let cache = Mutex<[String: (ClientCredentials, Date)]>([:])
    /// Clients at discovered authorization servers (remote MCP servers); nil where nothing may be discovered.
    public let discovered: DiscoveredClients?
    /// How long an opened app is reused.
    public static let cacheLifetime: TimeInterval = 2

    /// Creates a source.
    public init(store: any Store, sealer: Sealer, clock: any WallClock = SystemClock(), discovered: DiscoveredClients? = nil) {
        self.discovered = discovered
        self.store = store
        self.sealer = sealer
        self.clock = clock
    }

    /// The client id and opened secret, or nil when no admin has set the app.
    public func client(for provider: String) async throws -> ClientCredentials? {
        let now = clock.now
        if let (client, at) = cache.withLock({ $0[provider] }), now.timeIntervalSince(at) < Self.cacheLifetime, at <= now { return client }
        guard let app = try await store.oauthApp(provider: provider) else {
            cache.withLock { $0[provider] = nil }
            return nil
        }
        let secret = try await sealer.open(app.clientSecret, recordID: OAuthApp.recordID(provider: provider), field: "client_secret")
        let client = ClientCredentials(clientID: app.clientID, clientSecret: secret)
        cache.withLock { $0[provider] = (client, now) }
        return client
    }

    /// The provider (its endpoints discovered when the file leaves them out) and client a new consent uses, with the
    /// fields the credential keeps. Throws `validationFailed` when no client can be had, `remoteServerRefused` when
    /// discovery or registration fails.
    /// `fields`: what the user typed, which names the issuer of a provider discovered from a typed issuer.
    public func connection(for provider: Provider, fields: [String: String] = [:]) async throws -> OAuthConnection {
        let app = try await client(for: provider.id)
        guard let settings = provider.oauth, settings.discovered else {
            guard let app else {
                throw LatchkeyError.validationFailed(field: "provider", message: "no OAuth app is set for \(provider.id); an admin sets one with PUT /api/v1/oauth-apps/\(provider.id)")
            }
            // A provider that sends the client id on its calls (Twitch's Client-Id) keeps the one its token was issued to.
            let kept = provider.injection.variables.contains(DiscoveredClients.clientField) ? [DiscoveredClients.clientField: app.clientID] : [:]
            return OAuthConnection(provider: provider, client: app, fields: kept, defaultScopes: provider.oauth?.scopes ?? [])
        }
        guard let discovered else { throw LatchkeyError.remoteServerRefused(provider: provider.id, reason: "discovery is not available in this process") }
        do {
            if let field = settings.issuerField { return try await discovered.issuerConnection(for: provider, field: field, fields: fields, adminApp: app) }
            return try await discovered.connection(for: provider, adminApp: app)
        } catch let error as DiscoveryError {
            throw LatchkeyError.remoteServerRefused(provider: provider.id, reason: error.reason)
        }
    }

    /// The provider and client for a token request of a credential with `fields`.
    public func tokenClient(for provider: Provider, fields: [String: String]) async throws(TokenEndpointError) -> (Provider, ClientCredentials) {
        let app: ClientCredentials?
        do { app = try await client(for: provider.id) } catch { throw .transient(reason: "the OAuth app could not be read") }
        guard let settings = provider.oauth, settings.discovered else {
            guard let app else { throw .permanent(code: "no_oauth_app") }
            return (provider, app)
        }
        if let field = settings.issuerField { return try DiscoveredClients.issuerTokenClient(for: provider, field: field, fields: fields, adminApp: app) }
        guard let discovered else { throw .transient(reason: "discovery is not available in this process") }
        return try await discovered.tokenClient(for: provider, fields: fields, adminApp: app)
    }
}
