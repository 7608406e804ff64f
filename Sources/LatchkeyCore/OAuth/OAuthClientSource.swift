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
    /// How long an opened app is reused.
    public static let cacheLifetime: TimeInterval = 2

    /// Creates a source.
    public init(store: any Store, sealer: Sealer, clock: any WallClock = SystemClock()) {
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
}
