import Synchronization

/// Counts how many of something are under way, and the most at once, from any task.
public final class ConcurrencyTally: Sendable {
    private let now = Atomic<Int>(0)
    private let peak = Atomic<Int>(0)

    public init() {}

    /// One more under way.
    public func enter() {
        peak.max(now.wrappingAdd(1, ordering: .relaxed).newValue, ordering: .relaxed)
    }

    /// One fewer under way.
    public func leave() {
        now.wrappingSubtract(1, ordering: .relaxed)
    }

    /// How many are under way now.
    public var underWay: Int { now.load(ordering: .relaxed) }
    /// The most under way at once so far.
    public var most: Int { peak.load(ordering: .relaxed) }
}
