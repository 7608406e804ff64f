import Foundation
import LatchkeyCore
import Logging
import ServiceLifecycle

/// Deletes audit events older than the retention (`LATCHKEY_AUDIT_RETENTION_DAYS`), at start and then hourly, so the
/// log cannot grow without bound; delivered and failed webhook deliveries go after the same time. Every server may
/// run it; the deletes are idempotent.
struct AuditRetention: Service {
    let store: any Store
    let clock: any WallClock
    let days: Int
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let cutoff = clock.now.addingTimeInterval(-Double(days) * 86_400)
                let removed = try await store.deleteAudit(createdBefore: cutoff)
                _ = try await store.deleteSettledWebhookDeliveries(createdBefore: cutoff)
                if removed > 0 { logger.info("Old audit events deleted", metadata: ["count": "\(removed)", "retention_days": "\(days)"]) }
            } catch {
                logger.error("Audit retention failed", metadata: ["error.type": "\(type(of: error))"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}
