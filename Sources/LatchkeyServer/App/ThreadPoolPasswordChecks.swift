import LatchkeyCore
import NIOPosix
import Synchronization

/// Password checks on threads of their own, a few at a time. Requests and proxied calls run on the event loops;
/// bcrypt there would stall them. Checks beyond the threads wait in a short queue; beyond that, sign-in answers
/// 429 at once (`SignInError.busy`) instead of queueing without bound behind a flood.
final class ThreadPoolPasswordChecks: PasswordCheckPool {
    private let pool: NIOThreadPool
    private let inFlight = Atomic<Int>(0)
    /// Checks running or waiting, at most.
    let capacity: Int

    /// Starts `threads` threads; `capacity` defaults to four checks waiting per thread.
    init(threads: Int, capacity: Int? = nil) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        self.capacity = capacity ?? threads * 5
    }

    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        let admitted = inFlight.add(1, ordering: .relaxed).newValue <= capacity
        defer { inFlight.subtract(1, ordering: .relaxed) }
        guard admitted else { throw SignInError.busy }
        return try await pool.runIfActive { work() }
    }

    /// Stops the threads (after the server stopped taking requests).
    func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
