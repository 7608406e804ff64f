import Foundation

/// When a token is due, how long to back off after a transient failure, and when failing becomes visible.
public struct RefreshPolicy: Sendable {
    /// Consecutive transient failures after which a credential shows `refresh_failing`.
    public var failuresBeforeFailing = 3
    /// The first back-off, doubled per failure.
    public var baseBackoff: TimeInterval = 2
    /// The longest back-off.
    public var maxBackoff: TimeInterval = 300

    /// Creates the default policy.
    public init() {}

    /// Whether `credential` should be refreshed now. `within` (from `latchkey refresh --within`) replaces the
    /// provider's window. A token's window never exceeds half its lifetime, so short-lived tokens are not always due.
    public func isDue(_ credential: Credential, settings: OAuthSettings, now: Date, within: TimeInterval? = nil) -> Bool {
        isDue(expiresAt: credential.expiresAt, issuedAt: credential.tokenIssuedAt, createdAt: credential.createdAt,
              hasAccessToken: credential.secrets["access_token"] != nil, hasRefreshToken: credential.secrets["refresh_token"] != nil,
              settings: settings, now: now, within: within)
    }

    /// The same decision from a `RefreshCandidate`, which carries no secrets.
    public func isDue(_ candidate: RefreshCandidate, settings: OAuthSettings, now: Date, within: TimeInterval? = nil) -> Bool {
        isDue(expiresAt: candidate.expiresAt, issuedAt: candidate.tokenIssuedAt, createdAt: candidate.createdAt,
              hasAccessToken: candidate.hasAccessToken, hasRefreshToken: candidate.hasRefreshToken, settings: settings, now: now, within: within)
    }

    func isDue(expiresAt: Date?, issuedAt: Date?, createdAt: Date, hasAccessToken: Bool, hasRefreshToken: Bool,
               settings: OAuthSettings, now: Date, within: TimeInterval?) -> Bool {
        // A client-credentials credential without a token yet is due; an imported token without expiry is not.
        guard hasAccessToken else { return true }
        if let expiresAt {
            var window = within ?? TimeInterval(settings.refreshWindow)
            if within == nil, let issuedAt, expiresAt > issuedAt {
                window = min(window, expiresAt.timeIntervalSince(issuedAt) / 2)
            }
            if expiresAt.timeIntervalSince(now) <= window { return true }
        }
        // Refresh tokens that die when unused are exercised at half their idle lifetime.
        guard let idle = settings.refreshTokenIdleTTL, hasRefreshToken else { return false }
        return now.timeIntervalSince(issuedAt ?? createdAt) >= TimeInterval(idle) / 2
    }

    /// Whether the access token can still be used.
    public func isUsable(_ credential: Credential, now: Date) -> Bool {
        guard credential.secrets["access_token"] != nil else { return false }
        guard let expiresAt = credential.expiresAt else { return true }
        return expiresAt > now
    }

    /// The moment from which `credential` stops being servable without the refresher: due for refresh (in the
    /// provider's own window) or no longer usable, whichever comes first. Before it, `isDue` is false and `isUsable`
    /// true; so the proxy can compare one date per call instead of deciding both. It errs early by `margin`, so that
    /// rounding can never make it serve a token a moment past its due time.
    public static func servableUntil(_ credential: Credential, settings: OAuthSettings) -> Date {
        guard credential.secrets["access_token"] != nil else { return .distantPast }
        var until = Date.distantFuture
        if let expiresAt = credential.expiresAt {
            var window = TimeInterval(settings.refreshWindow)
            if let issuedAt = credential.tokenIssuedAt, expiresAt > issuedAt {
                window = min(window, expiresAt.timeIntervalSince(issuedAt) / 2)
            }
            until = min(expiresAt, expiresAt.addingTimeInterval(-window))
        }
        if let idle = settings.refreshTokenIdleTTL, credential.secrets["refresh_token"] != nil {
            until = min(until, (credential.tokenIssuedAt ?? credential.createdAt).addingTimeInterval(TimeInterval(idle) / 2))
        }
        return until == .distantFuture ? until : until.addingTimeInterval(-margin)
    }

    /// How much earlier than its exact due time `servableUntil` stops serving a token.
    static let margin: TimeInterval = 0.001

    /// The wait before attempt `failures + 1`: exponential with full jitter, so many processes do not retry in step.
    public func backoff(afterFailures failures: Int) -> TimeInterval {
        let ceiling = min(maxBackoff, baseBackoff * pow(2, Double(max(0, failures - 1))))
        return Double.random(in: (ceiling / 2)...ceiling)
    }
}
