import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import LatchkeyServer

/// The OpenAPI document (`Sources/LatchkeyServer/Resources/openapi.yaml`) against the server itself: every route
/// under `/api/v1`, `/v1` and `/mcp` is documented and every documented operation is served, and every error code
/// the server can make is in the document's `ErrorCode`.
@Suite struct OpenAPIDocumentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The operations a path item can hold (OpenAPI 3.1).
    static let operationMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
    /// The API and agent interface; the dashboard, the OAuth browser flow and `/healthz` & co. are not described.
    static let describedPrefixes = ["/api/v1/", "/v1/", "/mcp"]

    static func document() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: OpenAPIDocument.json.get())) as? [String: Any])
    }

    /// Documented methods (upper case) by path template.
    static func documentedOperations() throws -> [String: Set<String>] {
        let paths = try #require(try document()["paths"] as? [String: [String: Any]])
        return paths.mapValues { item in Set(operationMethods.filter { item[$0] != nil }.map { $0.uppercased() }) }
    }

    /// Methods by path template of the routes the router holds under the described prefixes.
    static func servedRoutes(_ router: Router<AppRequestContext>) -> [String: Set<String>] {
        var served: [String: Set<String>] = [:]
        for route in router.routes where describedPrefixes.contains(where: { route.path.description.hasPrefix($0) }) {
            served[route.path.description, default: []].insert(route.method.rawValue)
        }
        return served
    }

    @Test func theDocumentIsServedAsJSONWithoutAuthentication() async throws {
        let env = try await TestEnvironment()
        try await env.live { client in
            let reply = try await client.call(.get, "/api/v1/openapi.json")
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(reply["openapi"] as? String == "3.1.0")
            #expect(reply.text == String(buffer: try OpenAPIDocument.json.get()))
            let post = try await client.call(.post, "/api/v1/openapi.json")
            #expect(post.status == .methodNotAllowed)
            #expect(post.headers[.allow] == "GET")
        }
    }

    @Test func yamlBecomesJSONWithOnlyJSONScalars() throws {
        let object = try OpenAPIDocument.object(fromYAML: "a: on\n200: 2026-01-01\nb: true\nc: null\nd: [1, 1.5, no]\n")
        #expect(object as? NSDictionary == ["a": "on", "200": "2026-01-01", "b": true, "c": NSNull(), "d": [1, 1.5, "no"]] as NSDictionary)
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationIsServed() async throws {
        let env = try await TestEnvironment()
        let web = try await WebAssets.load(directory: Self.root.appendingPathComponent("web").path)
        let router = ApplicationBuilder.router(runtime: env.runtime, web: web)
        let documented = try Self.documentedOperations()
        let served = Self.servedRoutes(router)
        #expect(served["/api/v1/credentials/{id}"]?.isSuperset(of: ["GET", "PATCH", "DELETE", "POST", "TRACE"]) == true, "the router's routes are read as expected")

        // The proxy answers ahead of the router (ProxyMiddleware), for every method, under its prefix.
        let proxyPaths = documented.keys.filter { $0.hasPrefix(ProxyMiddleware.prefix) }
        #expect(proxyPaths == ["\(ProxyMiddleware.prefix){provider}/{path}"])
        for path in proxyPaths { #expect(documented[path] == Set(Self.operationMethods.map { $0.uppercased() }), "the proxy takes every method") }
        #expect(served.keys.filter { $0.hasPrefix(ProxyMiddleware.prefix) }.isEmpty)

        for (path, methods) in documented.sorted(by: { $0.key < $1.key }) where !path.hasPrefix(ProxyMiddleware.prefix) {
            #expect(Self.describedPrefixes.contains { path.hasPrefix($0) }, "documented outside the described prefixes: \(path)")
            for method in methods.sorted() {
                #expect(served[path]?.contains(method) == true, "documented but not served: \(method) \(path)")
            }
        }

        // A served method the document lacks must be the 405 that tells the caller which methods the path takes.
        let alice = try await env.user("alice@example.com")
        try await Application(router: router).test(.router) { client in
            for (path, methods) in served.sorted(by: { $0.key < $1.key }) {
                guard let allowed = documented[path] else {
                    Issue.record("served but not documented: \(methods.sorted().joined(separator: ", ")) \(path)")
                    continue
                }
                let concrete = path.replacingOccurrences(of: #"\{[^}]+\}"#, with: "x", options: .regularExpression)
                for method in methods.sorted() where !allowed.contains(method) {
                    let reply = try await client.call(HTTPRequest.Method(method) ?? .get, concrete, auth: alice)
                    #expect(reply.status == .methodNotAllowed && reply.errorCode == "method_not_allowed", "served but not documented: \(method) \(path)")
                    let allow = Set((reply.headers[.allow] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                    #expect(allow == allowed, "\(path): the 405 to \(method) allows \(allow.sorted()), the document \(allowed.sorted())")
                }
            }
        }
    }

    @Test func everyErrorCodeTheServerMakesIsInTheDocumentAndNoOther() throws {
        let schemas = try #require((try Self.document()["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let documented = Set(try #require((schemas["ErrorCode"] as? [String: Any])?["enum"] as? [String]))
        let made = try Self.errorCodesInSources()
        #expect(made.count >= 20, "the scan of the sources finds the codes (found \(made.keys.sorted()))")
        for (code, file) in made.sorted(by: { $0.key < $1.key }) {
            #expect(documented.contains(code), "\(code) (made in \(file)) is not in the document's ErrorCode")
        }
        for code in documented.subtracting(made.keys).sorted() {
            Issue.record("ErrorCode lists \(code), which no source makes")
        }
    }

    /// The code of every `APIError(…)` in the server's sources (the first snake_case string literal after it), with
    /// the file that makes it.
    static func errorCodesInSources() throws -> [String: String] {
        let sources = root.appendingPathComponent("Sources/LatchkeyServer")
        let literal = try Regex(#""([^"\\]*)""#)
        var codes: [String: String] = [:]
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files where file.pathExtension == "swift" {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                guard let start = line.range(of: "APIError(") else { continue }
                for match in line[start.upperBound...].matches(of: literal) {
                    let text = String(line[match.range].dropFirst().dropLast())
                    if text.range(of: "^[a-z]+(_[a-z]+)*$", options: .regularExpression) != nil {
                        codes[text] = file.lastPathComponent
                        break
                    }
                }
            }
        }
        return codes
    }
}
