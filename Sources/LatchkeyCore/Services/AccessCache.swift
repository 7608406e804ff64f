import Foundation
import Synchronization

/// What an agent key resolved to for a provider, remembered for a moment so that a burst of calls does not read and
/// decrypt the same binding on every call: the proxy's hot path.
///
/// Only active credentials are kept, static and OAuth alike. An OAuth entry holds one version of the credential (its
/// opened access token): `AgentService` answers from it only while that token is neither due for refresh nor
/// expired, and the refresher, a reconnect and every other write of this process drop it (`invalidate(credentialID:)`
/// or `invalidateAll`) the moment a newer version exists, so this server never serves a token it has replaced.
/// Entries live `ttl` at most. A change made by another process (another server on the same database, a CLI command)
/// reaches this one in one of two ways. Unwatched (the default), only through that lifetime: it is seen within `ttl`.
/// Watched (`confirmedByPolls`), through the database's access change log: an `AccessChangeWatcher` reads the log
/// every poll interval and forgets what each change names, and entries answer only while its last successful poll is
/// recent (`confirm(until:)`), so entries may live long (the lifetime) while a change is still seen within a poll
/// interval, and a watcher that cannot reach the database turns the cache off rather than let it go stale. Either
/// way, a token replaced elsewhere that the provider already refuses is renewed by the proxy's one retry after a 401.
/// A `ttl` of zero turns the cache off.
///
/// Bounded: at most `maxEntries` entries (an agent key and a provider each); when full, expired entries go first and,
/// if none has expired, everything. Expired entries are dropped at the next lookup of their key or at a miss of any
/// key (at most once per `ttl`), so opened secrets do not stay in memory long after their time.
public final class AccessCache: Sendable {
    final class Entry: Sendable {
        let keyHash: Data
        let resolved: ResolvedCredential
        let expires: ContinuousClock.Instant

        init(keyHash: Data, resolved: ResolvedCredential, expires: ContinuousClock.Instant) {
            self.keyHash = keyHash
            self.resolved = resolved
            self.expires = expires
        }
    }

    /// An agent key (by its lookup prefix) and a provider.
    struct Key: Hashable {
        let prefix: String
        let provider: String
    }

    public let ttl: Duration
    private let maxEntries: Int
    /// Whether entries answer only while a watcher's polls confirm them (see the type's documentation).
    public let confirmedByPolls: Bool
    /// The entries, and a generation that every invalidation advances: a resolution read before an invalidation
    /// (possibly before the change it stands for committed) is never remembered after it.
    private let state = Mutex(CacheState())

    /// The keys with an entry remembered lately (prefix to hash and until when), whatever the provider: which keys
    /// may have a body gathered before the call's provider is known (`/mcp` on the event loops). It grants nothing.
    private let keys = Mutex<[String: (hash: Data, until: ContinuousClock.Instant)]>([:])

    /// The default bound: 10,000 agent keys calling 5 providers each.
    public static let defaultMaxEntries = 50_000

    public init(ttl: Duration, maxEntries: Int = AccessCache.defaultMaxEntries, confirmedByPolls: Bool = false) {
        self.ttl = ttl
        self.maxEntries = maxEntries
        self.confirmedByPolls = confirmedByPolls
    }

    var isEnabled: Bool { ttl > .zero }

    /// The remembered resolution of the key with this prefix for `provider`, if the presented key's hash matches
    /// (compared in constant time) and the entry is still fresh.
    func lookup(prefix: String, hash: Data, provider: String) -> ResolvedCredential? {
        guard isEnabled else { return nil }
        let now = ContinuousClock.now
        let key = Key(prefix: prefix, provider: provider)
        let found: Entry? = state.withLock { state in
            guard let entry = state.entries[key] else { return nil }
            // Watched: nothing answers unless the change log was read lately (up to what it names).
            if confirmedByPolls, !(state.confirmedUntil.map { now < $0 } ?? false) { return nil }
            guard entry.expires > now else {
                state.remove(key)  // opened secrets do not outlive their time in memory
                return nil
            }
            return entry
        }
        guard let found, SecretToken.constantTimeEquals(found.keyHash, hash) else { return nil }
        return found.resolved
    }

    /// How many entries are held (for tests).
    var count: Int { state.withLock { $0.entries.count } }

    /// The current generation, to be taken before reading what will be remembered.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// Remembers a resolution read since `generation`; anything but an active credential is ignored, and so is a
    /// resolution an invalidation has overtaken.
    func remember(prefix: String, hash: Data, provider: String, resolved: ResolvedCredential, readSince generation: UInt64) {
        guard isEnabled, resolved.credential.status == .active else { return }
        let entry = Entry(keyHash: hash, resolved: resolved, expires: ContinuousClock.now + ttl)
        state.withLock { state in
            guard state.generation == generation else { return }
            // Expired entries (and the secrets they opened) leave at a miss, not only when looked up again; at most
            // once per TTL, so that many keys do not make every miss a walk over all of them.
            let now = ContinuousClock.now
            if now - state.lastPurge >= ttl || state.entries.count >= maxEntries {
                state.purge(expiredAt: now)
                state.lastPurge = now
            }
            if state.entries.count >= maxEntries { state.removeAll() }
            state.insert(entry, at: Key(prefix: prefix, provider: provider))
            // Under the entries' lock, so that an invalidation cannot fall between the two.
            keys.withLock { keys in
                if keys.count >= maxEntries { keys.removeAll(keepingCapacity: true) }
                keys[prefix] = (hash, entry.expires)
            }
        }
    }

    /// Forgets what is remembered of one credential: called when a newer version of it exists (a refresh, a
    /// reconnect) or it can no longer be used, so that no call of this process is answered with the old one.
    public func invalidate(credentialID: String) {
        guard isEnabled else { return }
        state.withLock { state in
            state.remove(credentialID: credentialID)
            state.generation &+= 1
        }
    }

    /// Whether an entry for this key (any provider) was remembered within the TTL and no change has happened since.
    func holdsKey(prefix: String, hash: Data) -> Bool {
        guard isEnabled, let known = keys.withLock({ $0[prefix] }), known.until > ContinuousClock.now else { return false }
        return SecretToken.constantTimeEquals(known.hash, hash)
    }

    /// Forgets what a batch of logged changes names (another server's writes, or this one's own, read back from the
    /// change log), in one step.
    public func invalidate(_ changes: [AccessChange]) {
        guard isEnabled, !changes.isEmpty else { return }
        state.withLock { state in
            var prefixes: [String] = []
            var everything = false
            for change in changes {
                switch change.kind {
                case .credential: prefixes += state.remove(credentialID: change.target)
                case .agentKey:
                    state.remove(prefix: change.target)
                    prefixes.append(change.target)
                case .group: prefixes += state.remove(groupID: change.target)
                case .everything: everything = true
                }
            }
            if everything { state.removeAll() }
            state.generation &+= 1
            keys.withLock { keys in
                if everything { keys.removeAll(keepingCapacity: true) } else { for prefix in prefixes { keys[prefix] = nil } }
            }
        }
    }

    /// Lets entries answer until `until`: called by the watcher after each poll that read the change log through.
    public func confirm(until: ContinuousClock.Instant) {
        state.withLock { $0.confirmedUntil = until }
    }

    /// Forgets everything: called after any change this process makes to keys, groups, bindings or credentials.
    public func invalidateAll() {
        guard isEnabled else { return }
        state.withLock { state in
            state.removeAll()
            state.generation &+= 1
            keys.withLock { $0.removeAll(keepingCapacity: true) }
        }
    }
}
