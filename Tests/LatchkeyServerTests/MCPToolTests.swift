import Foundation
import LatchkeyCore
@testable import LatchkeyServer
import MCP
import NIOCore
import Testing

/// How tool calls become proxy requests, and that every shipped tool is a valid MCP tool.
@Suite struct MCPToolTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func tool(_ path: String, method: String = "GET", query: [String] = []) -> ProviderTool {
        ProviderTool(name: "t", description: "d", method: method, path: path, query: query, inputSchemaJSON: #"{"type":"object"}"#)
    }

    static func bodyText(_ call: ProxyForwarder.Call) -> String? {
        guard case .bytes(let buffer) = call.body else { return nil }
        return String(buffer: buffer)
    }

    @Test func placeholdersArePercentEncodedSoNoValueAddsStructure() throws {
        let call = try ToolCallBuilder.declaredCall(Self.tool("/repos/{owner}/{repo}/issues"),
                                                    arguments: ["owner": .string("a/b?c#d%e"), "repo": .string("x y")])
        #expect(call.path == "/repos/a%2Fb%3Fc%23d%25e/x%20y/issues")
        #expect(call.query == nil)
        #expect(call.method == .get)
        #expect(Self.bodyText(call) == nil)
    }

    @Test func numbersAndBooleansFillPlaceholdersAndQueries() throws {
        let call = try ToolCallBuilder.declaredCall(Self.tool("/issues/{number}", query: ["state", "per_page", "labels", "absent"]),
                                                    arguments: ["number": .int(42), "state": .string("open"), "per_page": .double(100),
                                                                "labels": .array([.string("bug"), .string("good first")])])
        #expect(call.path == "/issues/42")
        #expect(call.query == "state=open&per_page=100&labels=bug&labels=good%20first")
    }

    @Test func writesSendTheRemainingArgumentsAsAJSONBody() throws {
        let call = try ToolCallBuilder.declaredCall(Self.tool("/repos/{owner}/issues", method: "POST", query: ["dry"]),
                                                    arguments: ["owner": .string("me"), "dry": .bool(true), "title": .string("Hi"), "labels": .array([.string("x")])])
        #expect(call.method == .post)
        #expect(call.query == "dry=true")
        #expect(Self.bodyText(call) == #"{"labels":["x"],"title":"Hi"}"#)
        #expect(call.headers["content-type"] == ["application/json"])
    }

    @Test func aProvidersDefaultMediaTypesReachTheProviderInsteadOfTheToolsJSON() throws {
        let plain = try ToolCallBuilder.declaredCall(Self.tool("/apps", method: "POST"), arguments: [:])
        #expect(plain.headers["accept"] == ["application/json"])
        let vendor = RequestDefaults(headers: [("Accept", "application/vnd.heroku+json; version=3"), ("content-type", "application/vnd.api+json")])
        let call = try ToolCallBuilder.declaredCall(Self.tool("/apps", method: "POST"), arguments: [:], defaults: vendor)
        let sent = ProxyForwarder.forwardedHeaders(call.headers, injected: [], defaults: vendor.headers)
        #expect(sent["Accept"] == ["application/vnd.heroku+json; version=3"])
        #expect(sent["Content-Type"] == ["application/vnd.api+json"])
    }

    @Test func aMissingOrEmptyPlaceholderIsABadRequest() {
        #expect(throws: LatchkeyError.self) { try ToolCallBuilder.declaredCall(Self.tool("/a/{id}"), arguments: [:]) }
        #expect(throws: LatchkeyError.self) { try ToolCallBuilder.declaredCall(Self.tool("/a/{id}"), arguments: ["id": .string("")]) }
        #expect(throws: LatchkeyError.self) { try ToolCallBuilder.declaredCall(Self.tool("/a/{id}"), arguments: ["id": .object([:])]) }
    }

    @Test func theGenericToolChecksItsArguments() throws {
        let call = try ToolCallBuilder.genericCall(arguments: ["method": .string("patch"), "path": .string("/a/b?x=1"),
                                                               "query": .object(["y": .string("2 3")]), "headers": .object(["X-A": .string("1")]),
                                                               "body": .array([.int(1)])])
        #expect(call.method == .patch)
        #expect(call.path == "/a/b")
        #expect(call.query == "x=1&y=2%203")
        #expect(call.headers["x-a"] == ["1"])
        #expect(Self.bodyText(call) == "[1]")
        for bad: [String: Value] in [
            ["method": .string("TRACE"), "path": .string("/")],
            ["method": .string("GET"), "path": .string("relative")],
            ["method": .string("GET"), "path": .string("/"), "surprise": .bool(true)],
            ["method": .string("GET"), "path": .string("/"), "headers": .object(["Bad Name": .string("x")])],
            ["method": .string("GET"), "path": .string("/"), "headers": .object(["X-Split": .string("a\r\nb: c")])],
            ["method": .string("GET"), "path": .string("/"), "query": .string("x=1")],
        ] {
            #expect(throws: LatchkeyError.self, "\(bad)") { try ToolCallBuilder.genericCall(arguments: bad) }
        }
        for method in ["CONNECT", "TRACE", "track"] {
            #expect(throws: LatchkeyError.methodNotAllowed(method.uppercased())) {
                try ToolCallBuilder.genericCall(arguments: ["method": .string(method), "path": .string("/")])
            }
        }
    }

    @Test func toolNamesResolveOnTheFirstUnderscore() throws {
        let catalog = try CatalogLoader.load([CatalogSource(directory: Self.root.appendingPathComponent("providers").path, strict: true)])
        guard case .tool(let search) = ToolCatalog(catalog: catalog).lookup("github_search_issues") else { Issue.record("github_search_issues"); return }
        #expect(search.provider.id == "github")
        guard case .tool(let generic) = ToolCatalog(catalog: catalog).lookup("github_request"), case .generic = generic.kind else {
            Issue.record("github_request"); return
        }
        guard case .unknownTool = ToolCatalog(catalog: catalog).lookup("github_nope") else { Issue.record("github_nope"); return }
        guard case .unknownProvider = ToolCatalog(catalog: catalog).lookup("nope_request") else { Issue.record("nope_request"); return }
        guard case .unknownProvider = ToolCatalog(catalog: catalog).lookup("github") else { Issue.record("github"); return }
    }

    @Test func everyShippedToolAndTheGenericOneAreValidMCPTools() throws {
        let catalog = try CatalogLoader.load([CatalogSource(directory: Self.root.appendingPathComponent("providers").path, strict: true)])
        let bindings = catalog.providers.keys.map { Binding(groupID: "g", provider: $0, credentialID: "c", createdAt: Date()) }
        let tools = ToolCatalog(catalog: catalog).tools(for: bindings)
        #expect(tools.count > catalog.providers.count * 2, "the shipped catalog declares operations for most providers")
        for tool in tools {
            let schema = try JSONDecoder().decode(Value.self, from: Data(tool.inputSchemaJSON.utf8))
            #expect(schema.objectValue?["type"] == Value.string("object"), "\(tool.name)")
            #expect(tool.name.count <= 64 && tool.name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }, "\(tool.name)")
        }
        let generic = try #require(tools.first { $0.name == "github_request" })
        let schema = try JSONDecoder().decode(Value.self, from: Data(generic.inputSchemaJSON.utf8))
        #expect(schema.objectValue?["required"] == Value.array([.string("method"), .string("path")]))
        #expect(Set(tools.map(\.name)).count == tools.count, "tool names are unique")
    }

    @Test func theHostCheckAcceptsThePublicURLAndLoopbackOnly() {
        let validator = MCPController.originValidator(publicURL: "https://latchkey.example.com", host: "0.0.0.0", port: 8080)
        #expect(validator.allowedHosts.contains("latchkey.example.com"))
        #expect(validator.allowedHosts.contains("latchkey.example.com:443"))
        #expect(validator.allowedOrigins.contains("https://latchkey.example.com"))
        #expect(!validator.allowedHosts.contains { $0.hasPrefix("evil") })
        let bound = MCPController.originValidator(publicURL: "http://10.0.0.5:9000", host: "10.0.0.5", port: 9000)
        #expect(bound.allowedHosts.contains("10.0.0.5:9000"))
        #expect(bound.allowedOrigins.contains("http://10.0.0.5:9000"))
    }
}
