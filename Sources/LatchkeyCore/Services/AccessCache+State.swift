import Foundation

extension AccessCache {
    /// The entries, indexed by credential as well, and a generation that every invalidation advances: a resolution
    /// read before an invalidation (possibly before the change it stands for committed) is never remembered after it.
    struct CacheState {
        var entries: [Key: Entry] = [:]
        /// The keys holding each credential, so that one credential's refresh forgets it without a walk over all.
        var byCredential: [String: Set<Key>] = [:]
        var generation: UInt64 = 0
        var lastPurge: ContinuousClock.Instant = .now

        mutating func insert(_ entry: Entry, at key: Key) {
            remove(key)
            entries[key] = entry
            byCredential[entry.resolved.credential.id, default: []].insert(key)
        }

        mutating func remove(_ key: Key) {
            guard let old = entries.removeValue(forKey: key) else { return }
            let credentialID = old.resolved.credential.id
            byCredential[credentialID]?.remove(key)
            if byCredential[credentialID]?.isEmpty == true { byCredential[credentialID] = nil }
        }

        mutating func remove(credentialID: String) {
            guard let keys = byCredential.removeValue(forKey: credentialID) else { return }
            for key in keys { entries[key] = nil }
        }

        mutating func purge(expiredAt now: ContinuousClock.Instant) {
            let expired = entries.compactMap { $0.value.expires <= now ? $0.key : nil }
            for key in expired { remove(key) }
        }

        mutating func removeAll() {
            entries.removeAll(keepingCapacity: true)
            byCredential.removeAll(keepingCapacity: true)
        }
    }
}
