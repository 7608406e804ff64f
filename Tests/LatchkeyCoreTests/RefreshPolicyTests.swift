import Foundation
import Testing
@testable import LatchkeyCore

@Suite struct RefreshPolicyTests {
    let policy = RefreshPolicy()
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let sealed = SealedValue(bytes: Data([1, 0, 0, 0, 1] + [UInt8](repeating: 0, count: 40)))

    func credential(expiresIn: TimeInterval?, lifetime: TimeInterval? = nil, refresh: Bool = true) -> Credential {
        var secrets = ["access_token": sealed]
        if refresh { secrets["refresh_token"] = sealed }
        let expiresAt = expiresIn.map { now.addingTimeInterval($0) }
        return Credential(id: "c", ownerID: "u", provider: "p", name: "n", authMode: .oauth2, secrets: secrets, expiresAt: expiresAt,
                          tokenIssuedAt: lifetime.flatMap { l in expiresAt.map { $0.addingTimeInterval(-l) } }, createdAt: now, updatedAt: now)
    }

    @Test func dueWithinTheProvidersWindow() {
        let settings = OAuthSettings(tokenURL: "https://x", refreshWindow: 300)
        #expect(policy.isDue(credential(expiresIn: 299, lifetime: 3600), settings: settings, now: now))
        #expect(!policy.isDue(credential(expiresIn: 301, lifetime: 3600), settings: settings, now: now))
        #expect(policy.isDue(credential(expiresIn: -5, lifetime: 3600), settings: settings, now: now))
    }

    @Test func theWindowShrinksToHalfAShortLifetime() {
        let settings = OAuthSettings(tokenURL: "https://x", refreshWindow: 300)
        // A token that lives 3 seconds is due after 1.5.
        #expect(!policy.isDue(credential(expiresIn: 1.6, lifetime: 3), settings: settings, now: now))
        #expect(policy.isDue(credential(expiresIn: 1.4, lifetime: 3), settings: settings, now: now))
    }

    @Test func cronsWithinReplacesTheWindow() {
        let settings = OAuthSettings(tokenURL: "https://x", refreshWindow: 300)
        #expect(policy.isDue(credential(expiresIn: 500, lifetime: 3600), settings: settings, now: now, within: 600))
    }

    @Test func aTokenWithoutExpiryIsNotDueUnlessItsRefreshTokenIdlesOut() {
        var settings = OAuthSettings(tokenURL: "https://x")
        #expect(!policy.isDue(credential(expiresIn: nil), settings: settings, now: now))
        settings.refreshTokenIdleTTL = 100
        var old = credential(expiresIn: nil)
        old.tokenIssuedAt = now.addingTimeInterval(-60)
        #expect(policy.isDue(old, settings: settings, now: now))
    }

    @Test func backoffGrowsWithJitterUpToTheCeiling() {
        for failures in 1...12 {
            let wait = policy.backoff(afterFailures: failures)
            let ceiling = min(policy.maxBackoff, policy.baseBackoff * pow(2, Double(failures - 1)))
            #expect(wait >= ceiling / 2 && wait <= ceiling)
        }
    }
}
