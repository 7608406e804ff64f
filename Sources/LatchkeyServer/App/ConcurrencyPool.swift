import NIOCore
import NIOPosix

/// Runs Swift Concurrency's global executor on SwiftNIO's event-loop threads.
public enum ConcurrencyPool {
    /// Call first thing in `main`, on the main thread, once. Without it every proxied call hops between NIO's
    /// threads and the concurrency pool several times; the context switches, not the work, dominated latency.
    public static func runOnEventLoops() {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
