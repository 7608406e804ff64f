import Foundation
import Testing
@testable import LatchkeyCore

@Suite struct CatalogLoaderTests {
    func loadValid() throws -> Catalog {
        try CatalogLoader.load([CatalogSource(directory: Fixtures.directory("catalog-valid"), strict: true)])
    }

    @Test func loadsEveryValidFileUnderItsFileName() throws {
        let catalog = try loadValid()
        #expect(catalog.all.map(\.id) == ["base-oauth", "child-oauth", "desk", "weather"])
    }

    @Test func extendsInheritsAuthAndMergesMapsWhileListsAndToolsAreReplaced() throws {
        let child = try #require(try loadValid().provider("child-oauth"))
        #expect(child.name == "Child OAuth")
        #expect(child.oauth?.tokenURL == "https://auth.example.com/token")
        #expect(child.oauth?.scopes == ["calendar"])
        #expect(child.oauth?.scopeSeparator == ",")
        #expect(child.oauth?.authorizationParams == ["access_type": "offline"])
        #expect(child.oauth?.refreshWindow == 120)
        #expect(child.baseURL.source == "https://api.example.com/v2")
        #expect(child.injection.headers.map(\.name).sorted() == ["Authorization", "X-Api-Version"])
        #expect(child.tools.isEmpty)
    }

    @Test func modesGetTheirDocumentedDefaults() throws {
        let base = try #require(try loadValid().provider("base-oauth"))
        #expect(base.injection.headers.map(\.name) == ["Authorization"])
        #expect(base.injection.headers.first?.value.source == "Bearer {{access_token}}")
        #expect(base.oauth?.pkce == true)
        #expect(base.oauth?.refreshWindow == 300)
        #expect(base.oauth?.tokenEndpointAuth == .clientSecretPost)
        let desk = try #require(try loadValid().provider("desk"))
        #expect(desk.field(named: "api_token")?.secret == true)
        #expect(desk.field(named: "subdomain")?.secret == false)
    }

    @Test func everyProblemIsReportedWithItsFileAndKeyPath() throws {
        let error = try #require(throws: CatalogError.self) {
            try CatalogLoader.load([CatalogSource(directory: Fixtures.directory("catalog-invalid"), strict: true)])
        }
        let found = Set(error.issues.map { "\(URL(fileURLWithPath: $0.file).lastPathComponent) \($0.keyPath)" })
        let expected: Set<String> = [
            "broken.yaml docs",
            "broken.yaml auth.fields[0].pattern",
            "broken.yaml auth.fields[1].name",
            "broken.yaml auth.colour",
            "broken.yaml proxy.inject",
            "broken.yaml proxy.inject.headers",
            "broken.yaml tools[0].name",
            "broken.yaml tools[0].method",
            "broken.yaml tools[0].path",
            "orphan.yaml extends",
            "no-mode.yaml auth",
            "mode-change.yaml auth.mode",
            "broken.yaml tools[1].path",
            "broken.yaml tools[1].query",
            "broken.yaml tools[2].name",
        ]
        #expect(expected.isSubset(of: found), "missing: \(expected.subtracting(found).sorted()); all: \(error.issues)")
        #expect(error.issues.allSatisfy { !$0.reason.isEmpty })
    }

    @Test func unknownTemplateVariableIsNamedInTheReason() throws {
        let error = try #require(throws: CatalogError.self) {
            try CatalogLoader.load([CatalogSource(directory: Fixtures.directory("catalog-invalid"), strict: true)])
        }
        #expect(error.issues.contains { $0.keyPath == "proxy.inject" && $0.reason.contains("{{apikey}}") })
    }

    @Test func anExtendsCycleIsAnErrorNotAHang() throws {
        let error = try #require(throws: CatalogError.self) {
            try CatalogLoader.load([CatalogSource(directory: Fixtures.directory("catalog-cycle"), strict: false)])
        }
        #expect(error.issues.contains { $0.keyPath == "extends" && $0.reason.contains("cycle") })
    }

    @Test func operatorFilesMayUseHTTPOnLoopbackButNotOnThePublicInternet() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lk-catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let body = { (url: String) in "name: T\nauth: {mode: api_key}\nproxy:\n  base_url: \(url)\n  inject: {headers: {X-Key: \"{{api_key}}\"}}\n" }
        try body("http://127.0.0.1:9999/base").write(to: dir.appendingPathComponent("local.yaml"), atomically: true, encoding: .utf8)
        #expect(throws: Never.self) { try CatalogLoader.load([CatalogSource(directory: dir.path, strict: false)]) }
        #expect(throws: CatalogError.self) { try CatalogLoader.load([CatalogSource(directory: dir.path, strict: true)]) }
        try body("http://api.example.com").write(to: dir.appendingPathComponent("remote.yaml"), atomically: true, encoding: .utf8)
        #expect(throws: CatalogError.self) { try CatalogLoader.load([CatalogSource(directory: dir.path, strict: false)]) }
    }

    @Test func aLaterDirectoryReplacesAProviderOfTheSameID() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lk-catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: Local Weather\nauth: {mode: api_key}\nproxy:\n  base_url: http://localhost:8000\n  inject: {query: {key: \"{{api_key}}\"}}\n"
            .write(to: dir.appendingPathComponent("weather.yaml"), atomically: true, encoding: .utf8)
        let catalog = try CatalogLoader.load([
            CatalogSource(directory: Fixtures.directory("catalog-valid"), strict: true), CatalogSource(directory: dir.path, strict: false),
        ])
        #expect(catalog.provider("weather")?.name == "Local Weather")
        #expect(catalog.providers.count == 4)
    }

    @Test func theShippedCatalogLoadsUnderTheStrictRules() throws {
        let catalog = try ShippedCatalog.load()
        #expect(catalog.providers.count >= 15)
        for mode in [AuthMode.apiKey, .basic, .oauth2] { #expect(catalog.all.contains { $0.authMode == mode }) }
    }
}
