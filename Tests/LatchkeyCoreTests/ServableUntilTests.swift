import Foundation
import Testing
@testable import LatchkeyCore

/// `RefreshPolicy.servableUntil` stands in for `!isDue && isUsable` on every call the access cache answers: it must
/// never let a token be served that the refresher should see, and it may stop serving only a moment early.
@Suite struct ServableUntilTests {
    let policy = RefreshPolicy()
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// A small deterministic generator (SplitMix64), so a failure names a case that can be run again.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func double(_ range: ClosedRange<Double>) -> Double {
            range.lowerBound + Double(next() >> 11) / Double(1 << 53) * (range.upperBound - range.lowerBound)
        }
        mutating func chance() -> Bool { next() & 1 == 0 }
    }

    @Test func agreesWithIsDueAndIsUsableAtEveryMomentAndStopsAtMostAMarginEarly() {
        var random = Generator(state: 19)
        let sealed = SealedValue(bytes: Data([1, 0, 0, 0, 1] + [UInt8](repeating: 0, count: 40)))
        for _ in 0..<3000 {
            var secrets: [String: SealedValue] = [:]
            if random.next() % 8 != 0 { secrets["access_token"] = sealed }
            if random.chance() { secrets["refresh_token"] = sealed }
            let expiresAt: Date? = random.next() % 5 == 0 ? nil : t0.addingTimeInterval(random.double(-100...10_000))
            let issuedAt: Date? = random.next() % 4 == 0 ? nil : t0.addingTimeInterval(-random.double(0...5000))
            let credential = Credential(id: "c", ownerID: "u", provider: "p", name: "n", authMode: .oauth2, secrets: secrets,
                                        expiresAt: expiresAt, tokenIssuedAt: issuedAt, createdAt: t0.addingTimeInterval(-6000), updatedAt: t0)
            var settings = OAuthSettings(tokenURL: "https://x", refreshWindow: Int(random.double(0...1000)))
            if random.chance() { settings.refreshTokenIdleTTL = Int(random.double(10...20_000)) }
            let until = RefreshPolicy.servableUntil(credential, settings: settings)
            var moments = (0..<8).map { _ in t0.addingTimeInterval(random.double(-7000...20_000)) }
            if until != .distantFuture && until != .distantPast {
                for offset in [-1, -0.0005, 0, 0.0005, 0.001, 0.0015, 0.002, 1] { moments.append(until.addingTimeInterval(offset)) }
            }
            for now in moments {
                let servable = !policy.isDue(credential, settings: settings, now: now) && policy.isUsable(credential, now: now)
                if now < until {
                    #expect(servable, "served a token the refresher should see: \(credential), \(settings), at \(now)")
                } else if servable {
                    #expect(now < until.addingTimeInterval(2 * RefreshPolicy.margin), "stopped serving too early: \(credential) at \(now)")
                }
            }
        }
    }
}
