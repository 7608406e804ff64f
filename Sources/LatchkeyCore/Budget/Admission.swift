import Synchronization

/// A call the budget admitted, holding one of its group's concurrent-call slots on this server until released.
/// Released once: explicitly when the call's response is finished, or at the latest when the last reference goes.
public final class Admission: Sendable {
    private let release: @Sendable () -> Void
    private let released = Atomic<Bool>(false)

    init(release: @escaping @Sendable () -> Void) {
        self.release = release
    }

    /// Frees the slot; later calls do nothing.
    public func finish() {
        if !released.exchange(true, ordering: .acquiringAndReleasing) { release() }
    }

    deinit { finish() }
}
