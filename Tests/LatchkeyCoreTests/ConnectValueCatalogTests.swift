import Foundation
import LatchkeyCore
import Testing

/// Decoding `auth.connect_values`: each source, and every way a declaration can be wrong.
@Suite struct ConnectValueCatalogTests {
    func load(_ files: [String: String], strict: Bool = false) throws -> Catalog {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lk-cv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, body) in files { try body.write(to: dir.appendingPathComponent("\(name).yaml"), atomically: true, encoding: .utf8) }
        return try CatalogLoader.load([CatalogSource(directory: dir.path, strict: strict)])
    }

    func issues(_ body: String, strict: Bool = false) -> [CatalogIssue] {
        do { _ = try load(["p": body], strict: strict); return [] } catch let error as CatalogError { return error.issues } catch { return [] }
    }

    static func file(_ values: String, baseURL: String = "https://api.example.com/v1/{{realm_id}}", extra: String = "", mode: String = "oauth2") -> String {
        """
        name: P
        docs: https://example.com/docs
        auth:
          mode: \(mode)
          authorization_url: https://auth.example.com/authorize
          token_url: https://auth.example.com/token
        \(extra)
          connect_values:
        \(values)
        proxy:
          base_url: \(baseURL)
        """
    }

    @Test func eachSourceDecodesAndItsNamesBecomeTemplateVariables() throws {
        let body = Self.file("""
                - {name: realm_id, from: callback_query, param: realmId, pattern: "^[0-9]+$"}
                - {name: home, from: token_response, path: "profile.home"}
                - name: dc
                  from: request
                  url: https://auth.example.com/metadata
                  headers: {Authorization: "OAuth {{access_token}}"}
                  path: "[0].dc"
                  pattern: "^[a-z]+[0-9]+$"
            """, baseURL: "https://{{dc}}.api.example.com/{{realm_id}}")
        let provider = try #require(try load(["p": body], strict: true).provider("p"))
        let values = try #require(provider.oauth?.connectValues)
        #expect(values.map(\.name) == ["realm_id", "home", "dc"])
        #expect(values[0].source == .callbackQuery(param: "realmId"))
        #expect(values[1].source == .tokenResponse(path: try ValuePath("profile.home")))
        guard case .request(let url, let headers, let path) = values[2].source else { Issue.record("not a request"); return }
        #expect(url == "https://auth.example.com/metadata")
        #expect(headers.map(\.name) == ["Authorization"] && headers.first?.value.source == "OAuth {{access_token}}")
        #expect(path.description == "[0].dc")
        #expect(provider.availableVariables.isSuperset(of: ["realm_id", "home", "dc"]))
    }

    @Test func aValueInTheHostNeedsAPattern() {
        let found = issues(Self.file("    - {name: dc, from: callback_query, param: dc}", baseURL: "https://{{dc}}.api.example.com"))
        #expect(found.contains { $0.keyPath == "auth.connect_values[0]" && $0.reason.contains("pattern") })
        // A whole origin counts as the host too.
        let origin = issues(Self.file("    - {name: base, from: token_response, path: base}", baseURL: "\"{{base}}/api\""))
        #expect(origin.contains { $0.keyPath == "auth.connect_values[0]" && $0.reason.contains("pattern") })
        // The problem is reported at the entry's own index, even after an entry that did not decode.
        let second = issues(Self.file("    - {name: broken, from: nowhere}\n    - {name: dc, from: callback_query, param: dc}",
                                      baseURL: "https://{{dc}}.api.example.com"))
        #expect(second.contains { $0.keyPath == "auth.connect_values[1]" && $0.reason.contains("pattern") }, "\(second)")
        // In the path, a value needs no pattern.
        #expect(issues(Self.file("    - {name: realm_id, from: callback_query, param: realmId}")).isEmpty)
    }

    @Test func badDeclarationsAreRefusedWithTheirKeyPath() {
        let found = issues(Self.file("""
                - {name: realm_id, from: callback_query}
                - {name: Bad-Name, from: token_response, path: x}
                - {name: x1, from: somewhere}
                - {name: x2, from: token_response, path: "a..b"}
                - {name: x3, from: request, path: id}
                - {name: x4, from: request, url: "ftp://example.com/me", path: id}
                - {name: x5, from: request, url: "https://example.com/me", path: id, headers: {Authorization: "Bearer {{password}}"}}
                - {name: x6, from: callback_query, param: p, pattern: "(["}
                - {name: x7, from: callback_query, param: p, colour: red}
                - {name: x7, from: callback_query, param: state}
                - {name: access_token, from: token_response, path: x}
                - {name: x8, from: request, url: "https://example.com/me", path: "[abc]"}
            """))
        let paths = Set(found.map(\.keyPath))
        let expected: Set<String> = [
            "auth.connect_values[0]", "auth.connect_values[1].name", "auth.connect_values[2].from", "auth.connect_values[3].path",
            "auth.connect_values[4]", "auth.connect_values[5].url", "auth.connect_values[6].headers.Authorization",
            "auth.connect_values[7].pattern", "auth.connect_values[8].colour", "auth.connect_values[9].name", "auth.connect_values[9].param",
            "auth.connect_values[10].name", "auth.connect_values[11].path",
        ]
        #expect(expected.isSubset(of: paths), "missing: \(expected.subtracting(paths).sorted()); all: \(found)")
    }

    @Test func aConnectValueIsNeitherAFieldNorATokenFieldAndOnlyForTheCodeFlow() {
        let clash = issues(Self.file("    - {name: realm_id, from: callback_query, param: realmId}",
                                     extra: "  token_fields: [realm_id]\n  fields:\n    - {name: realm_id, secret: false}"))
        #expect(clash.filter { $0.keyPath == "auth.connect_values[0]" }.count == 2)
        let clientCredentials = issues("""
            name: P
            auth:
              mode: oauth2_client_credentials
              token_url: https://auth.example.com/token
              connect_values:
                - {name: tenant, from: token_response, path: tenant}
            proxy:
              base_url: https://api.example.com
            """)
        #expect(clientCredentials.contains { $0.keyPath == "auth.connect_values" && $0.reason.contains("authorization-code") })
        let apiKey = issues("""
            name: P
            auth:
              mode: api_key
              connect_values: []
            proxy:
              base_url: https://api.example.com
              inject: {headers: {X-Key: "{{api_key}}"}}
            """)
        #expect(apiKey.contains { $0.keyPath == "auth.connect_values" })
    }

    @Test func theShippedCatalogNeedsHTTPSForFollowUps() {
        let found = issues(Self.file("    - {name: realm_id, from: request, url: \"http://127.0.0.1:9/me\", path: id}"), strict: true)
        #expect(found.contains { $0.keyPath == "auth.connect_values[0].url" && $0.reason.contains("https") })
        #expect(issues(Self.file("    - {name: realm_id, from: request, url: \"http://127.0.0.1:9/me\", path: id}")).isEmpty)
    }

    @Test func anUndeclaredVariableIsStillRefused() {
        let found = issues(Self.file("    - {name: realm_id, from: callback_query, param: realmId}", baseURL: "https://api.example.com/{{company}}"))
        #expect(found.contains { $0.keyPath == "proxy.base_url" && $0.reason.contains("{{company}}") })
    }
}
