import Synchronization

/// Values appended from any task, in the order they came.
public final class Recorded<Value: Sendable>: Sendable {
    private let state = Mutex<[Value]>([])

    public init() {}

    public func append(_ value: Value) {
        state.withLock { $0.append(value) }
    }

    public var values: [Value] { state.withLock { $0 } }
}
