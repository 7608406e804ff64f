import Foundation

extension MemoryStore {
    /// A row of `sealed_values`: the bytes and the key version they were sealed under (0 when unreadable).
    struct SealedRow: Sendable {
        var keyVersion: Int
        var bytes: Data
        let sequence: Int
    }

    public func dataKeys() async throws -> [WrappedDataKey] {
        tables.dataKeys.values.sorted { $0.version < $1.version }
    }

    public func insertDataKey(wrapped: @Sendable (Int, WrappedDataKey?) throws -> Data, activate: Bool, onlyIfEmpty: Bool) async throws -> Int {
        let current = tables.dataKeys.keys.max()
        if onlyIfEmpty, let current {
            return tables.dataKeys.values.filter(\.active).map(\.version).max() ?? current
        }
        let version = (current ?? 0) + 1
        let latest = current.flatMap { tables.dataKeys[$0] }
        // The wrapper may throw: nothing is written before it has answered.
        let bytes = try wrapped(version, latest)
        if activate {
            if !tables.dataKeys.isEmpty { logAccessChange(.everything, "") }
            for key in tables.dataKeys.keys { tables.dataKeys[key]?.active = false }
        }
        tables.dataKeys[version] = WrappedDataKey(version: version, wrapped: bytes, active: activate, createdAt: clock.now)
        return version
    }

    public func rewrapDataKeys(_ rewrap: @Sendable (WrappedDataKey) throws -> Data) async throws -> Int {
        // Every new wrapping first, then all of them at once: a throw part-way leaves every key as it was.
        let keys = tables.dataKeys.values.sorted { $0.version < $1.version }
        let rewrapped = try keys.map { (version: $0.version, wrapped: try rewrap($0)) }
        for key in rewrapped { tables.dataKeys[key.version]?.wrapped = key.wrapped }
        if !keys.isEmpty { logAccessChange(.everything, "") }
        return keys.count
    }

    public func retireUnusedDataKeys() async throws -> [Int] {
        let used = Set(tables.sealedValues.values.flatMap { $0.values.map(\.keyVersion) })
        let unused = tables.dataKeys.values.filter { !$0.active && !used.contains($0.version) }.map(\.version).sorted()
        for version in unused { tables.dataKeys[version] = nil }
        if !unused.isEmpty { logAccessChange(.everything, "") }
        return unused
    }

    public func sealedValues(notUnder version: Int, limit: Int) async throws -> [StoredSecret] {
        Array(allSealedValues().filter { $0.row.keyVersion != version }.prefix(max(limit, 0)).map {
            StoredSecret(recordID: $0.recordID, field: $0.field, value: SealedValue(bytes: $0.row.bytes))
        })
    }

    public func replaceSealedValue(_ secret: StoredSecret, with value: SealedValue) async throws -> Bool {
        guard let row = tables.sealedValues[secret.recordID]?[secret.field], row.bytes == secret.value.bytes else { return false }
        tables.sealedValues[secret.recordID]?[secret.field] = SealedRow(keyVersion: value.keyVersion ?? 0, bytes: value.bytes, sequence: row.sequence)
        return true
    }

    public func sealedValueCounts() async throws -> [Int: Int] {
        var counts: [Int: Int] = [:]
        for row in tables.sealedValues.values.flatMap(\.values) { counts[row.keyVersion, default: 0] += 1 }
        return counts
    }

    /// Every sealed value in insertion order (SQLite's rowid order, which its unordered reads follow).
    private func allSealedValues() -> [(recordID: String, field: String, row: SealedRow)] {
        tables.sealedValues.flatMap { record, fields in fields.map { (recordID: record, field: $0.key, row: $0.value) } }.sorted { $0.row.sequence < $1.row.sequence }
    }

    /// The sealed values of one record, by field.
    func secrets(of recordID: String) -> [String: SealedValue] {
        (tables.sealedValues[recordID] ?? [:]).mapValues { SealedValue(bytes: $0.bytes) }
    }

    /// Whether inserting these fields of `recordID` would break the table's primary key (record, field).
    func sealedValuesExist(_ recordID: String, fields: some Sequence<String>) -> Bool {
        guard let stored = tables.sealedValues[recordID] else { return false }
        return fields.contains { stored[$0] != nil }
    }

    /// Inserts or replaces one sealed value (SQL's `ON CONFLICT (record_id, field) DO UPDATE`); callers check the
    /// primary key first where SQL inserts without `ON CONFLICT`.
    func putSealedValue(_ value: SealedValue, recordID: String, field: String) {
        let sequence = tables.sealedValues[recordID]?[field]?.sequence ?? nextSequence()
        tables.sealedValues[recordID, default: [:]][field] = SealedRow(keyVersion: value.keyVersion ?? 0, bytes: value.bytes, sequence: sequence)
    }

    /// Deletes every sealed value of a record.
    func deleteSealedValues(of recordID: String) {
        tables.sealedValues[recordID] = nil
    }
}
