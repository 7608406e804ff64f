import LatchkeyCore
import Logging
import ServiceLifecycle

/// Runs the access change watcher for as long as the server runs: every access cache time it reads the database's
/// change log, so a change another server makes is forgotten here within that time.
struct AccessChangePoller: Service {
    let watcher: AccessChangeWatcher
    let logger: Logger

    func run() async throws {
        let interval = watcher.interval
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do { try await watcher.poll() } catch {
                // The cache stops answering when its confirmation lapses: calls read the database until a poll succeeds.
                logger.warning("Could not read the access change log", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
