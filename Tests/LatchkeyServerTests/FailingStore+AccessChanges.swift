import LatchkeyCore

extension FailingStore {
    func latestAccessChange() async throws -> Int64 { try await base.latestAccessChange() }
    func accessChanges(after: Int64, limit: Int) async throws -> [AccessChange] { try await base.accessChanges(after: after, limit: limit) }
    @discardableResult
    func pruneAccessChanges(through: Int64) async throws -> Int { try await base.pruneAccessChanges(through: through) }
}
