import ServiceLifecycle

/// Runs with the server: closes the runtime's outbound connections once the server shuts down gracefully.
struct RuntimeLifecycle: Service {
    /// `LatchkeyRuntime.shutdown`.
    let shutdown: @Sendable () async -> Void

    func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }
}
