import Foundation
import LatchkeyCore
import Synchronization

/// A clock tests move by hand.
public final class TestClock: WallClock, Sendable {
    private let current: Mutex<Date>
    /// A clock at `start`.
    public init(_ start: Date = Date()) { current = Mutex(start) }
    public var now: Date { current.withLock { $0 } }
    /// Moves the clock on by `seconds`.
    public func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
