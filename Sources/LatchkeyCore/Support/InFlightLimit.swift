import Synchronization

/// At most `limit` of something under way at once, without waiting: `acquire` says no when the limit is reached.
public final class InFlightLimit: Sendable {
    private let count = Atomic<Int>(0)
    public let limit: Int

    public init(_ limit: Int) {
        self.limit = limit
    }

    /// Takes a place; false (and nothing taken) when all are taken.
    public func acquire() -> Bool {
        guard count.wrappingAdd(1, ordering: .relaxed).newValue <= limit else {
            count.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Gives back a place taken by `acquire`.
    public func release() {
        count.wrappingSubtract(1, ordering: .relaxed)
    }
}
