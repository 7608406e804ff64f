import Foundation
import Testing
@testable import LatchkeyCore

/// `providers check --strict`'s freshness rule, on a fixed "today".
@Suite struct CatalogFreshnessTests {
    static let today = CalendarDay("2026-12-02")!

    static func provider(proxy: String, tools: String = "") throws -> Provider {
        // `proxy` replaces the usual injection when it declares its own.
        let inject = proxy.contains("  inject:") ? "" : "  inject: {headers: {Authorization: \"Bearer {{api_key}}\"}}\n"
        let text = "name: Example\ndocs: https://example.com/docs\nauth: {mode: api_key}\nproxy:\n  base_url: https://api.example.com\n" + inject + proxy + tools
        return try #require(try ProxyDefaultsTests.load(["example.yaml": text]).provider("example"))
    }

    static func reasons(proxy: String, tools: String = "") throws -> [String] {
        CatalogFreshness.issues(of: try provider(proxy: proxy, tools: tools), today: today).map { "\($0.keyPath): \($0.reason)" }
    }

    @Test func aPinReleasedWithinTwelveMonthsPasses() throws {
        #expect(try Self.reasons(proxy: "  defaults: {headers: {Example-Version: \"2025-12-02\"}}\n  api_version: {released: 2025-12-02}\n").isEmpty)
    }

    @Test func aPinOlderThanTwelveMonthsWithoutASupportEndFails() throws {
        let reasons = try Self.reasons(proxy: "  defaults: {headers: {Example-Version: \"2025-12-01\"}}\n  api_version: {released: 2025-12-01}\n")
        #expect(reasons.count == 1)
        #expect(reasons.first?.hasPrefix("proxy.api_version.released: the pinned API version was released on 2025-12-01") == true)
    }

    @Test func anOldPinStillSupportedPassesAndOnePastItsSupportEndFails() throws {
        #expect(try Self.reasons(proxy: "  defaults: {headers: {revision: \"2023-01-01\"}}\n  api_version: {released: 2023-01-01, support_ends: 2026-12-02}\n").isEmpty)
        let reasons = try Self.reasons(proxy: "  defaults: {headers: {revision: \"2023-01-01\"}}\n  api_version: {released: 2023-01-01, support_ends: 2026-12-01}\n")
        #expect(reasons == ["proxy.api_version.support_ends: the pinned API version's support ended on 2026-12-01: move to a supported version"])
    }

    @Test(arguments: [
        ("  defaults: {headers: {X-Api-Version: \"2025-04\"}}\n", ""),
        ("  defaults: {query: {api-version: \"2024-10-21\"}}\n", ""),
        ("  inject: {headers: {Authorization: \"Bearer {{api_key}}\", Notion-Version: \"2022-06-28\"}}\n", ""),
        ("", "tools:\n- {name: shop, description: The shop, method: GET, path: /2025-07/shop.json}\n"),
    ])
    func aVersionPinWithoutAPIVersionFails(_ proxy: String, _ tools: String) throws {
        let reasons = try Self.reasons(proxy: proxy, tools: tools)
        #expect(reasons.count == 1)
        #expect(reasons.first?.hasPrefix("proxy: ") == true)
        #expect(reasons.first?.contains("declare 'api_version'") == true)
    }

    @Test func aVersionOnTokenRequestsIsAPinToo() throws {
        let text = "name: T\ndocs: https://example.com/docs\nauth:\n  mode: oauth2\n  authorization_url: https://auth.example.com/a\n  token_url: https://auth.example.com/t\n  token_headers: {Example-Version: \"2024-01-01\"}\nproxy:\n  base_url: https://api.example.com\n"
        let provider = try #require(try ProxyDefaultsTests.load(["t.yaml": text]).provider("t"))
        #expect(CatalogFreshness.issues(of: provider, today: Self.today).map(\.keyPath) == ["proxy"])
    }

    @Test func aProviderThatPinsNothingNeedsNoAPIVersion() throws {
        #expect(try Self.reasons(proxy: "  defaults: {headers: {Accept: application/json}}\n", tools: "tools:\n- {name: items, description: Items, method: GET, path: /v2/items}\n").isEmpty)
    }

    @Test func aReleaseDateAfterTodayFails() throws {
        let reasons = try Self.reasons(proxy: "  defaults: {headers: {Example-Version: \"2027-01-01\"}}\n  api_version: {released: 2027-01-01}\n")
        #expect(reasons == ["proxy.api_version.released: 2027-01-01 is after today (2026-12-02)"])
    }

    @Test func theShippedCatalogPinsOnlySupportedVersionsAsOfItsLastReview() throws {
        let catalog = try ShippedCatalog.load()
        #expect(CatalogFreshness.issues(in: catalog.all, today: Self.today).map(\.description) == [])
        // The same catalog a year and a half on: every pin is due for review by then.
        let later = CatalogFreshness.issues(in: catalog.all, today: Self.today.addingMonths(18))
        #expect(Set(later.map { URL(fileURLWithPath: $0.file).lastPathComponent }).isSuperset(of: ["notion.yaml", "pinecone.yaml", "twilio.yaml", "anthropic.yaml"]))
    }
}
