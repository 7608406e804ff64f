import NIOCore

/// A connection whose written bytes wait for a flush.
protocol TickFlushable: AnyObject {
    func flushNow()
}

/// Flushes asked for while an event loop handles one batch of I/O, done together once the batch is handled.
///
/// Each flush is a system call that wakes the process on the other end (the provider, or the agent). Done as calls
/// complete, they are spread over the whole batch, and the other process is often asleep again by the next one;
/// done back to back, one wake-up serves several. The delay is the rest of the batch (microseconds). Used only on its
/// loop.
final class TickFlusher {
    private let eventLoop: any EventLoop
    private var pending: [any TickFlushable] = []
    private var spare: [any TickFlushable] = []
    private var scheduled = false

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    /// Flushes `target` once the loop has handled its current I/O.
    func flushSoon(_ target: any TickFlushable) {
        pending.append(target)
        guard !scheduled else { return }
        scheduled = true
        eventLoop.assumeIsolated().execute { [self] in flushAll() }
    }

    private func flushAll() {
        scheduled = false
        swap(&pending, &spare)
        for target in spare { target.flushNow() }
        spare.removeAll(keepingCapacity: true)
    }
}
