import Foundation

extension AccessCache {
    /// The entries, indexed by credential as well, and a generation that every invalidation advances: a resolution
    /// read before an invalidation (possibly before the change it stands for committed) is never remembered after it.
    struct CacheState {
        var entries: [Key: Entry] = [:]
        /// The keys holding each credential, so that one credential's refresh forgets it without a walk over all.
        var byCredential: [String: Set<Key>] = [:]
        /// The same by agent key (its prefix) and by group, for the changes another server logs (`AccessChange`).
        var byPrefix: [String: Set<Key>] = [:]
        var byGroup: [String: Set<Key>] = [:]
        var generation: UInt64 = 0
        var lastPurge: ContinuousClock.Instant = .now
        /// Until when a watched cache may answer (`AccessCache.confirm(until:)`); nil before the first poll.
        var confirmedUntil: ContinuousClock.Instant?

        mutating func insert(_ entry: Entry, at key: Key) {
            remove(key)
            entries[key] = entry
            byCredential[entry.resolved.credential.id, default: []].insert(key)
            byPrefix[key.prefix, default: []].insert(key)
            byGroup[entry.resolved.group.id, default: []].insert(key)
        }

        mutating func remove(_ key: Key) {
            guard let old = entries.removeValue(forKey: key) else { return }
            Self.unindex(key, under: old.resolved.credential.id, in: &byCredential)
            Self.unindex(key, under: key.prefix, in: &byPrefix)
            Self.unindex(key, under: old.resolved.group.id, in: &byGroup)
        }

        private static func unindex(_ key: Key, under name: String, in index: inout [String: Set<Key>]) {
            index[name]?.remove(key)
            if index[name]?.isEmpty == true { index[name] = nil }
        }

        /// Removes the entries of a credential; returns the agent keys (prefixes) that lost one.
        @discardableResult
        mutating func remove(credentialID: String) -> [String] {
            guard let keys = byCredential[credentialID] else { return [] }
            for key in keys { remove(key) }
            return keys.map(\.prefix)
        }

        /// Removes the entries of an agent key (by prefix).
        mutating func remove(prefix: String) {
            guard let keys = byPrefix[prefix] else { return }
            for key in keys { remove(key) }
        }

        /// Removes the entries answered through a group; returns the agent keys (prefixes) that lost one.
        mutating func remove(groupID: String) -> [String] {
            guard let keys = byGroup[groupID] else { return [] }
            for key in keys { remove(key) }
            return keys.map(\.prefix)
        }

        mutating func purge(expiredAt now: ContinuousClock.Instant) {
            let expired = entries.compactMap { $0.value.expires <= now ? $0.key : nil }
            for key in expired { remove(key) }
        }

        mutating func removeAll() {
            entries.removeAll(keepingCapacity: true)
            byCredential.removeAll(keepingCapacity: true)
            byPrefix.removeAll(keepingCapacity: true)
            byGroup.removeAll(keepingCapacity: true)
        }
    }
}
