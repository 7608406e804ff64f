import Foundation
import Testing
@testable import LatchkeyCore

/// `proxy.defaults` and `proxy.api_version`: decoded with errors naming the key, merged through `extends`, and
/// applied to the query only where the agent sent none of its own (the injected credential always wins).
@Suite struct ProxyDefaultsTests {
    static let parent = """
        name: Example
        docs: https://example.com/docs
        auth: {mode: api_key}
        proxy:
          base_url: https://api.example.com
          inject:
            headers: {Authorization: "Bearer {{api_key}}"}
            query: {key: "{{api_key}}"}
          defaults:
            headers: {Example-Version: "2025-09-03", Accept: application/json}
            query: {format: json}
          api_version: {released: 2025-09-03, support_ends: 2027-09-03}

        """

    /// Loads `files` (name → YAML) as one strict catalog directory.
    static func load(_ files: [String: String]) throws -> Catalog {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lk-defaults-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return try CatalogLoader.load([CatalogSource(directory: dir.path, strict: true)])
    }

    /// The key paths of the problems loading `proxy` (the `proxy:` block's body) reports.
    static func problems(proxy: String) throws -> [String] {
        let text = "name: Bad\ndocs: https://example.com/docs\nauth: {mode: api_key}\nproxy:\n  base_url: https://api.example.com\n  inject: {headers: {Authorization: \"Bearer {{api_key}}\"}}\n" + proxy
        let error = try #require(throws: CatalogError.self) { try load(["bad.yaml": text]) }
        return error.issues.map(\.keyPath)
    }

    @Test func defaultsAndTheAPIVersionAreDecoded() throws {
        let provider = try #require(try Self.load(["example.yaml": Self.parent]).provider("example"))
        #expect(provider.defaults.headers.map(\.name).sorted() == ["Accept", "Example-Version"])
        #expect(provider.defaults.headers.first { $0.name == "Example-Version" }?.value == "2025-09-03")
        #expect(provider.defaults.query.map { "\($0.name)=\($0.value)" } == ["format=json"])
        #expect(provider.apiVersion == APIVersionPin(released: try #require(CalendarDay("2025-09-03")), supportEnds: CalendarDay("2027-09-03")))
        #expect(provider.injection.headers.map(\.name) == ["Authorization"])
    }

    @Test func extendsMergesDefaultsAndTheAPIVersionLikeInject() throws {
        let child = """
            extends: example
            name: Child
            proxy:
              defaults: {headers: {Example-Version: "2026-03-01"}}
              api_version: {released: 2026-03-01}

            """
        let provider = try #require(try Self.load(["example.yaml": Self.parent, "child.yaml": child]).provider("child"))
        let headers = Dictionary(uniqueKeysWithValues: provider.defaults.headers.map { ($0.name, $0.value) })
        #expect(headers == ["Example-Version": "2026-03-01", "Accept": "application/json"])
        #expect(provider.defaults.query.map(\.name) == ["format"])
        #expect(provider.apiVersion?.released == CalendarDay("2026-03-01"))
        #expect(provider.apiVersion?.supportEnds == CalendarDay("2027-09-03"))
        #expect(provider.injection.query.map(\.name) == ["key"])
    }

    @Test(arguments: [
        ("  api_version: {released: 2025-13-01}\n", "proxy.api_version.released"),
        ("  api_version: {released: \"03/09/2025\"}\n", "proxy.api_version.released"),
        ("  api_version: {released: 2025-02-29}\n", "proxy.api_version.released"),
        ("  api_version: {released: 2025-09-03, support_ends: 2027-9-3}\n", "proxy.api_version.support_ends"),
        ("  api_version: {released: 2025-09-03, support_ends: 2025-01-01}\n", "proxy.api_version.support_ends"),
        ("  api_version: {support_ends: 2027-09-03}\n", "proxy.api_version"),
        ("  api_version: {released: 2025-09-03, ends: 2027-09-03}\n", "proxy.api_version.ends"),
        ("  defaults: {headers: {X-Version: \"{{api_key}}\"}}\n", "proxy.defaults.headers.X-Version"),
        ("  defaults: {headers: {authorization: Basic x}}\n", "proxy.defaults.headers.authorization"),
        ("  defaults: {headers: {Host: api.example.org}}\n", "proxy.defaults.headers"),
        ("  defaults: {headers: {Cookie: a=b}}\n", "proxy.defaults.headers"),
        ("  defaults: {cookies: {a: b}}\n", "proxy.defaults.cookies"),
        ("  defaults: {query: {format: [json]}}\n", "proxy.defaults.query.format"),
    ])
    func badDefaultsAndDatesAreReportedUnderTheirKey(_ proxy: String, _ keyPath: String) throws {
        #expect(try Self.problems(proxy: proxy).contains(keyPath))
    }

    @Test func anAgentsOwnParameterWinsOverADefaultButNeverOverAnInjectedOne() throws {
        let provider = try #require(try Self.load(["example.yaml": Self.parent]).provider("example"))
        let plain = try RequestInjector.build(provider: provider, values: ["api_key": "k"], rawPath: "/items", rawQuery: "q=1")
        #expect(plain.url == "https://api.example.com/items?q=1&format=json&key=k")
        let own = try RequestInjector.build(provider: provider, values: ["api_key": "k"], rawPath: "/items", rawQuery: "%66ormat=xml&key=agent")
        #expect(own.url == "https://api.example.com/items?%66ormat=xml&key=k")
        #expect(plain.defaultHeaders.map(\.name).sorted() == ["Accept", "Example-Version"])
        #expect(!plain.injectedValues.contains("json") && !plain.injectedValues.contains("2025-09-03"))
    }

    @Test func calendarDaysAreRealDaysAndMonthsClampToTheLastDay() throws {
        #expect(CalendarDay("2024-02-29")?.description == "2024-02-29")
        #expect(CalendarDay("2025-02-29") == nil)
        #expect(CalendarDay("2025-9-03") == nil)
        #expect(CalendarDay(" 2025-09-03") == nil)
        #expect(try #require(CalendarDay("2026-03-31")).addingMonths(-1) == CalendarDay("2026-02-28"))
        #expect(try #require(CalendarDay("2026-01-15")).addingMonths(-12) == CalendarDay("2025-01-15"))
        #expect(CalendarDay(Date(timeIntervalSince1970: 1_764_633_600)) == CalendarDay("2025-12-02"))
    }
}
