import Foundation
import LatchkeyCore
import Logging
import ServiceLifecycle

/// Refreshes credentials as they come due, in a pass every `interval` seconds, `concurrency` at a time.
struct BackgroundRefresher: Service {
    let pass: RefreshPass
    let interval: Int
    let concurrency: Int
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let report = try await pass.run(within: nil, concurrency: concurrency)
                if report.due > 0 {
                    logger.info("Background refresh pass", metadata: [
                        "due": "\(report.due)", "refreshed": "\(report.refreshed)", "needs_reauth": "\(report.needsReauth)",
                        "failed": "\(report.failed)", "skipped": "\(report.skipped)",
                    ])
                }
            } catch {
                logger.error("Background refresh pass failed", metadata: ["error.type": "\(type(of: error))"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
        }
    }
}
