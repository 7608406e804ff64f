import Foundation

/// The current time, injected so that tests drive expiry and back-off.
public protocol WallClock: Sendable {
    /// Now.
    var now: Date { get }
}

/// The system clock.
public struct SystemClock: WallClock {
    /// Creates the system clock.
    public init() {}
    public var now: Date { Date() }
}
