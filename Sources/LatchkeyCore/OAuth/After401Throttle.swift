import Foundation
import Synchronization

/// Limits the refreshes that a provider's 401 may force to one per credential per interval. A provider that answers
/// 401 to every token (a revoked app, a missing scope, a call an agent crafted to fail) would otherwise make every
/// agent call spend a refresh token and a token request; after the one refresh, later 401s go back to the agent.
///
/// Calls that met the 401 on the same token version as the forced refresh still join it (they need its result);
/// only a 401 on a newer version within the interval is refused a refresh. Kept per process: across servers,
/// the credential's version already makes concurrent 401s share one refresh.
final class After401Throttle: Sendable {
    let interval: TimeInterval
    /// Per credential: the version whose 401 last forced a refresh, and when.
    private let forced = Mutex<[String: (version: Int, at: Date)]>([:])

    init(interval: TimeInterval) { self.interval = interval }

    /// Whether a 401 on `version` of the credential may force a refresh now; records it when it may.
    func admit(credentialID: String, version: Int, now: Date) -> Bool {
        forced.withLock { forced in
            if let last = forced[credentialID], now.timeIntervalSince(last.at) < interval {
                return version <= last.version
            }
            if forced.count >= 4096 { forced = forced.filter { now.timeIntervalSince($0.value.at) < interval } }
            forced[credentialID] = (version, now)
            return true
        }
    }
}
