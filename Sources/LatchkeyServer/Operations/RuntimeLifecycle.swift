import LatchkeyCore
import ServiceLifecycle

/// Runs with the server: closes the runtime's outbound connections once the server shuts down gracefully.
struct RuntimeLifecycle: Service {
    let runtime: LatchkeyRuntime

    func run() async throws {
        try? await gracefulShutdown()
        await runtime.shutdown()
    }
}
