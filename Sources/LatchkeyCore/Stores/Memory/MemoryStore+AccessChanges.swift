extension MemoryStore {
    public func latestAccessChange() async throws -> Int64 { tables.accessChangeID }

    public func accessChanges(after: Int64, limit: Int) async throws -> [AccessChange] {
        Array(tables.accessChanges.filter { $0.id > after }.prefix(max(limit, 0)))
    }

    @discardableResult
    public func pruneAccessChanges(through: Int64) async throws -> Int {
        let before = tables.accessChanges.count
        tables.accessChanges.removeAll { $0.id <= through }
        return before - tables.accessChanges.count
    }

    /// Logs a change, as the SQL stores' triggers do, in the same step as the write that makes it.
    func logAccessChange(_ kind: AccessChange.Kind, _ target: String) {
        tables.accessChangeID += 1
        tables.accessChanges.append(AccessChange(id: tables.accessChangeID, kind: kind, target: target))
    }
}
