/// The access change log: an ordered record of the changes that can alter what a remembered resolution answers,
/// written in the same transaction as each change (by triggers in SQL, by the writes themselves in memory), so that
/// no writer (a service, the refresher, a CLI command, a cascade) can change an answer without saying so.
public protocol AccessChangeStore: Sendable {
    /// The highest change id written so far, 0 when none.
    func latestAccessChange() async throws -> Int64
    /// Changes with an id above `after`, by id, at most `limit`.
    func accessChanges(after: Int64, limit: Int) async throws -> [AccessChange]
    /// Deletes the changes with an id up to `through`; returns how many went.
    @discardableResult
    func pruneAccessChanges(through: Int64) async throws -> Int
}
