import Foundation
import LatchkeyCore
import Logging
import ServiceLifecycle

/// Adds the day's call counts to the database every few seconds, forgets ended budget windows in memory and drops
/// quota leases of windows that ended over a month ago (the longest window is a month). The last flush happens at
/// shutdown (`LatchkeyRuntime.shutdown`).
struct UsageFlusher: Service {
    let usage: UsageRecorder
    let userProviders: UserProviderService
    let budgetGate: BudgetGate
    /// Where quota leases of ended windows are dropped.
    let quotas: any BudgetStore
    let clock: any WallClock
    let logger: Logger
    static let interval: Duration = .seconds(5)

    func run() async throws {
        var rounds = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.interval) }
            do { try await usage.flush() } catch {
                logger.error("Usage counts could not be written; kept for the next try", metadata: ["error.type": "\(type(of: error))"])
            }
            rounds += 1
            // Users' remote MCP servers added or deleted through other servers on the database.
            if rounds % 2 == 0 { try? await userProviders.reload() }
            if rounds % 60 == 1 {
                budgetGate.purge()
                try? await quotas.deleteQuota(windowsBefore: clock.now.addingTimeInterval(-32 * 86_400))
            }
        }
    }
}
