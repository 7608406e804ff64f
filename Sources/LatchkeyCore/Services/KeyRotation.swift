/// `keys rotate`, `rotate-master`, `retire` and `status`: new data-key versions, re-encryption of every sealed value
/// and rewrapping of every data key under a new master key, all while servers run.
public struct KeyRotation: Sendable {
    let store: any Store
    let sealer: Sealer

    /// Creates the service.
    public init(store: any Store, sealer: Sealer) {
        self.store = store
        self.sealer = sealer
    }

    /// What a rotation did.
    public struct Report: Sendable {
        /// The new active version.
        public var activeVersion: Int
        /// Values re-encrypted.
        public var reencrypted: Int
    }

    /// Adds a key version, waits until every process has seen it, then re-encrypts everything else under it.
    ///
    /// Processes re-read the active version at most `Sealer.activeKeyTTL` seconds late, so a value sealed just after
    /// the switch may still use the old key; sweeping again until nothing is left catches those.
    ///
    /// `progress` counts the values re-encrypted against those under older versions when the sweep began.
    public func rotate(pause: @Sendable (Double) async throws -> Void, progress: ProgressReport? = nil) async throws -> Report {
        let version = try await sealer.addActiveKey()
        try await pause(Sealer.activeKeyTTL + 0.5)
        var total = 0
        var expected = try await store.sealedValueCounts().filter { $0.key != version }.values.reduce(0, +)
        progress?(WorkProgress(what: "sealed values", done: 0, total: expected))
        for _ in 0..<100 {
            let batch = try await store.sealedValues(notUnder: version, limit: 500)
            if batch.isEmpty { return Report(activeVersion: version, reencrypted: total) }
            for secret in batch {
                let plain = try await sealer.open(secret.value, recordID: secret.recordID, field: secret.field)
                let resealed = try await sealer.seal(plain, recordID: secret.recordID, field: secret.field)
                // Compare-and-swap: a refresh or an edit that rewrote the value meanwhile wins, and we look again.
                if try await store.replaceSealedValue(secret, with: resealed) {
                    total += 1
                    // Values sealed under the old key after the count (by a lagging server) raise the total.
                    expected = max(expected, total)
                    progress?(WorkProgress(what: "sealed values", done: total, total: expected))
                }
            }
        }
        throw StoreError.unavailable("sealed values kept appearing under old keys; run `latchkey keys rotate` again")
    }

    /// Rewraps every data key under `newMaster`, atomically (one transaction), and returns how many.
    ///
    /// Afterwards the old master key opens nothing in the database. Running servers keep the data keys they already
    /// hold in memory, so they keep working; they (and every other process) must be given the new master key before
    /// their next start, and before the next `keys rotate` adds a key they would have to unwrap.
    ///
    /// Servers load data keys added by others at most `Sealer.activeKeyTTL` seconds late (`pause`s that long first),
    /// so each holds every key, unwrapped, before the old master key stops opening them.
    /// `progress` counts the data keys rewrapped (inside the one transaction, so a failure undoes every one).
    public func rotateMaster(to newMaster: MasterKey, pause: @Sendable (Double) async throws -> Void, progress: ProgressReport? = nil) async throws -> Int {
        guard newMaster.fingerprint != sealer.masterFingerprint else {
            throw SealingError.invalidMasterKey("the new master key is the one already in use")
        }
        try await pause(Sealer.activeKeyTTL + 0.5)
        let total = try await store.dataKeys().count
        progress?(WorkProgress(what: "data keys", done: 0, total: total))
        guard let progress else { return try await sealer.rewrapAll(under: newMaster) }
        return try await sealer.rewrapAll(under: newMaster) { done in
            progress(WorkProgress(what: "data keys", done: done, total: max(total, done)))
        }
    }

    /// Drops the inactive data-key versions that protect no sealed value (after `keys rotate` moved everything to
    /// the active one). Returns the versions dropped.
    public func retire() async throws -> [Int] {
        let retired = try await store.retireUnusedDataKeys()
        try await sealer.reload()
        return retired
    }

    /// The master key's fingerprint (it opens every data key, or this process could not have started), the active
    /// version, and each version with its count of sealed values.
    public func status() async throws -> (master: String, active: Int?, versions: [(version: Int, active: Bool, sealedValues: Int)]) {
        let keys = try await store.dataKeys()
        let counts = try await store.sealedValueCounts()
        let versions = keys.sorted { $0.version < $1.version }.map { ($0.version, $0.active, counts[$0.version] ?? 0) }
        return (sealer.masterFingerprint, keys.first(where: \.active)?.version, versions)
    }
}
