import NIOCore
import NIOPosix

/// A wait that ends at a deadline, or at once, with nothing left behind, when its task is cancelled.
///
/// Every statement races its query against one of these. `Task.sleep` would do, but a cancelled sleep stays queued on
/// the executor until its deadline, keeping its task's memory: at thousands of statements a second with a 10 s
/// deadline that held tens of megabytes (a refresh pass of 100,000 credentials on PostgreSQL peaked at 172 MB). A
/// timer scheduled on an event loop is taken off it when cancelled.
enum Deadline {
    /// Returns after `duration`; throws `CancellationError` as soon as the task is cancelled.
    static func wait(_ duration: Duration) async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = loop.makePromise(of: Void.self)
        let (seconds, attoseconds) = duration.components
        let timer = loop.scheduleTask(in: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)) { promise.succeed(()) }
        try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            timer.cancel()
            promise.fail(CancellationError())
        }
    }
}
