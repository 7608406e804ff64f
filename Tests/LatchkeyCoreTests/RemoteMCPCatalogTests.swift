import Foundation
import LatchkeyCore
import Testing

@Suite struct RemoteMCPCatalogTests {
    func load(_ files: [String: String], strict: Bool = false) throws -> Catalog {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lk-mcp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, body) in files { try body.write(to: dir.appendingPathComponent("\(name).yaml"), atomically: true, encoding: .utf8) }
        return try CatalogLoader.load([CatalogSource(directory: dir.path, strict: strict)])
    }

    func issues(_ files: [String: String], strict: Bool = false) -> [CatalogIssue] {
        do { _ = try load(files, strict: strict); return [] } catch let error as CatalogError { return error.issues } catch { return [] }
    }

    @Test func anOAuthServerWithoutEndpointsIsDiscoveredAndNamesItsResource() throws {
        let catalog = try load(["acme": "name: Acme\nauth: {mode: oauth2}\nmcp: {url: https://mcp.acme.example/mcp}\n"])
        let provider = try #require(catalog.provider("acme"))
        #expect(provider.mcp?.url == "https://mcp.acme.example/mcp")
        #expect(provider.oauth?.discovered == true)
        #expect(provider.oauth?.authorizationParams["resource"] == "https://mcp.acme.example/mcp")
        #expect(provider.oauth?.tokenParams["resource"] == "https://mcp.acme.example/mcp")
        #expect(provider.baseURL.source == "https://mcp.acme.example/mcp")
        #expect(provider.injection.headers.first?.name == "Authorization")
    }

    @Test func noneAndAPIKeyServersNeedNoOAuth() throws {
        let catalog = try load([
            "open": "name: Open\nauth: {mode: none}\nmcp: {url: https://open.example/mcp}\n",
            "keyed": "name: Keyed\nauth: {mode: api_key}\nmcp: {url: https://keyed.example/mcp}\nproxy:\n  inject: {headers: {Authorization: \"Bearer {{api_key}}\"}}\n",
        ])
        #expect(catalog.provider("open")?.fields.isEmpty == true)
        #expect(catalog.provider("open")?.injection.headers.isEmpty == true)
        #expect(catalog.provider("keyed")?.baseURL.source == "https://keyed.example/mcp")
    }

    @Test func badRemoteServerFilesAreRefusedWithTheirKeyPath() {
        let found = issues([
            "query": "name: Q\nauth: {mode: none}\nmcp: {url: \"https://q.example/mcp?x=1\"}\n",
            "plain": "name: P\nauth: {mode: oauth2}\nmcp: {url: http://mcp.example.com/mcp}\n",
            "nomcp": "name: N\nauth: {mode: none}\nproxy: {base_url: https://n.example}\n",
            "fields": "name: F\nauth: {mode: none, fields: [{name: x}]}\nmcp: {url: https://f.example/mcp}\n",
        ])
        let paths = Set(found.map { "\(URL(fileURLWithPath: $0.file).deletingPathExtension().lastPathComponent) \($0.keyPath)" })
        #expect(paths.isSuperset(of: ["query mcp.url", "plain mcp.url", "nomcp auth.mode", "fields auth.fields"]), "\(found)")
    }

    @Test func theShippedRemoteServersAreHTTPSAndDiscovered() throws {
        let catalog = try CatalogLoader.load([CatalogSource(directory: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("providers").path, strict: true)])
        let remote = catalog.all.filter { $0.mcp != nil }
        #expect(remote.count >= 20)
        for provider in remote {
            #expect(provider.mcp?.url.hasPrefix("https://") == true)
            if provider.authMode == .oauth2, provider.oauth?.discovered == true { #expect(provider.oauth?.tokenParams["resource"] == provider.mcp?.url) }
        }
    }
}
