import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
@testable import LatchkeyServer

@Suite struct ProxyTests {
    /// Runs `body` with a recording upstream and a Latchkey whose test providers point at it.
    func withProxy(proxyBodyLimit: Int = 10 * 1024 * 1024, _ body: @Sendable @escaping (TestEnvironment, any TestClientProtocol, Recorder) async throws -> Void) async throws {
        let recorder = Recorder()
        try await Upstream.application(recorder: recorder).test(.live) { upstream in
            let env = try await TestEnvironment(upstreamPort: try #require(upstream.port), proxyBodyLimit: proxyBodyLimit)
            try await env.live { client in try await body(env, client, recorder) }
        }
    }

    /// Creates a credential, a group with a key, and binds it; returns the agent's Authorization value and the group id.
    func agent(_ client: any TestClientProtocol, user: String, provider: String, fields: String, group: String = "bots") async throws -> (String, String) {
        let credential = try #require(try await client.call(.post, "/api/v1/credentials", auth: user, json: #"{"provider":"\#(provider)","name":"c","fields":\#(fields)}"#)["id"] as? String)
        let groupID = try #require(try await client.call(.post, "/api/v1/groups", auth: user, json: #"{"name":"\#(group)"}"#)["id"] as? String)
        let key = try #require(try await client.call(.post, "/api/v1/groups/\(groupID)/keys", auth: user)["key"] as? String)
        #expect(try await client.call(.put, "/api/v1/groups/\(groupID)/bindings/\(provider)", auth: user, json: #"{"credential_id":"\#(credential)"}"#).status == .ok)
        return ("Bearer \(key)", groupID)
    }

    @Test func theCredentialIsInjectedAndTheAgentsOwnSecretsAndHopHeadersAreNot() async throws {
        try await withProxy { env, client, recorder in
            let alice = try await env.user("alice@example.com")
            let (agentAuth, _) = try await agent(client, user: alice, provider: "echo", fields: #"{"api_key":"provider-secret"}"#)
            // (Connection-nominated headers are checked over a raw socket in e2e/: this test client rewrites Connection.)
            var headers: HTTPFields = [.cookie: "c=1", .accept: "application/json"]
            headers[HTTPField.Name("X-Keep")!] = "kept"
            headers[HTTPField.Name("Proxy-Authorization")!] = "Basic eA=="
            let reply = try await client.call(.post, "/v1/proxy/echo/chat/completions?stream=false", auth: agentAuth, json: #"{"q":1}"#, headers: headers)
            #expect(reply.status == .ok, "\(reply.text)")
            let seen = try #require(await recorder.requests.last)
            #expect(seen.method == "POST")
            #expect(seen.uri == "/base/v1/chat/completions?stream=false")
            #expect(seen.headers[.authorization] == "Bearer provider-secret")
            #expect(seen.headers[HTTPField.Name("X-Fixed")!] == "fixed-value")
            #expect(seen.headers[HTTPField.Name("X-Keep")!] == "kept")
            #expect(seen.headers[.accept] == "application/json")
            #expect(String(decoding: seen.body, as: UTF8.self) == #"{"q":1}"#)
            for dropped in ["Cookie", "Proxy-Authorization"] {
                #expect(seen.headers[HTTPField.Name(dropped)!] == nil, "\(dropped) was forwarded")
            }
            #expect(!seen.headers.contains { $0.value.contains("lka_") }, "the agent key reached the provider")
        }
    }

    @Test func upstreamCookiesDoNotReachTheAgentAndRedirectsAreReturnedNotFollowed() async throws {
        try await withProxy { env, client, recorder in
            let alice = try await env.user("alice@example.com")
            let (agentAuth, _) = try await agent(client, user: alice, provider: "echo", fields: #"{"api_key":"k"}"#)
            let cookie = try await client.call(.get, "/v1/proxy/echo/cookie", auth: agentAuth)
            #expect(cookie.status == .ok)
            #expect(cookie.headers[.setCookie] == nil)
            let redirect = try await client.call(.get, "/v1/proxy/echo/redirect", auth: agentAuth)
            #expect(redirect.status == .found)
            #expect(redirect.headers[.location] == "http://127.0.0.1:9/stolen")
            #expect(await recorder.requests.count == 2)
        }
    }

    @Test func queryAndBasicInjection() async throws {
        try await withProxy { env, client, recorder in
            let alice = try await env.user("alice@example.com")
            let (queryAuth, _) = try await agent(client, user: alice, provider: "echo-query", fields: #"{"api_key":"k1"}"#, group: "q")
            #expect(try await client.call(.get, "/v1/proxy/echo-query/weather?q=Paris&appid=agent-value", auth: queryAuth).status == .ok)
            #expect(await recorder.requests.last?.uri == "/q/weather?q=Paris&appid=k1")
            let (basicAuth, _) = try await agent(client, user: alice, provider: "echo-basic", fields: #"{"username":"u","password":"p"}"#, group: "b")
            #expect(try await client.call(.get, "/v1/proxy/echo-basic/me", auth: basicAuth).status == .ok)
            #expect(await recorder.requests.last?.headers[.authorization] == "Basic dTpw")
        }
    }

    @Test func agentErrorsFollowTheSpec() async throws {
        try await withProxy(proxyBodyLimit: 1024) { env, client, recorder in
            let alice = try await env.user("alice@example.com")
            let (agentAuth, groupID) = try await agent(client, user: alice, provider: "echo", fields: #"{"api_key":"k"}"#)
            #expect(try await client.call(.get, "/v1/proxy/echo/x").errorCode == "unauthorized")
            #expect(try await client.call(.get, "/v1/proxy/echo/x", auth: "Bearer lka_wrong").errorCode == "unauthorized")
            #expect(try await client.call(.get, "/v1/proxy/echo/x", auth: alice).errorCode == "unauthorized")
            let unknown = try await client.call(.get, "/v1/proxy/no-such-provider/x", auth: agentAuth)
            #expect(unknown.status == .notFound)
            #expect(unknown.errorCode == "unknown_provider")
            let missing = try await client.call(.get, "/v1/proxy/echo-query/x", auth: agentAuth)
            #expect(missing.status.code == 424)
            #expect(missing.errorCode == "credential_missing")
            #expect(missing.setupURL == "http://latchkey.test/groups/\(groupID)?bind=echo-query")
            let warnings = try await client.call(.get, "/api/v1/warnings", auth: alice).list("warnings")
            #expect(warnings.contains { $0["provider"] as? String == "echo-query" && $0["setup_url"] as? String == missing.setupURL })
            let big = try await client.call(.post, "/v1/proxy/echo/upload", auth: agentAuth, headers: [.contentType: "application/octet-stream"], body: ByteBuffer(repeating: 1, count: 4096))
            #expect(big.status == .contentTooLarge)
            #expect(big.errorCode == "payload_too_large")
            #expect(await recorder.requests.isEmpty)
        }
    }

    @Test func anUnreachableUpstreamIs502() async throws {
        try await withProxy { env, client, _ in
            let alice = try await env.user("alice@example.com")
            let (agentAuth, _) = try await agent(client, user: alice, provider: "dead", fields: #"{"api_key":"k"}"#)
            let reply = try await client.call(.get, "/v1/proxy/dead/x", auth: agentAuth)
            #expect(reply.status == .badGateway)
            #expect(reply.errorCode == "upstream_unreachable")
        }
    }

    @Test func aRevokedAgentKeyIsRefused() async throws {
        try await withProxy { env, client, _ in
            let alice = try await env.user("alice@example.com")
            let (agentAuth, groupID) = try await agent(client, user: alice, provider: "echo", fields: #"{"api_key":"k"}"#)
            #expect(try await client.call(.get, "/v1/proxy/echo/x", auth: agentAuth).status == .ok)
            let keyID = try #require((try await client.call(.get, "/api/v1/groups/\(groupID)", auth: alice)["keys"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(try await client.call(.delete, "/api/v1/groups/\(groupID)/keys/\(keyID)", auth: alice).status == .noContent)
            #expect(try await client.call(.get, "/v1/proxy/echo/x", auth: agentAuth).errorCode == "unauthorized")
        }
    }

    @Test func eachGroupsKeyCarriesOnlyItsOwnGroupsCredential() async throws {
        try await withProxy { env, client, recorder in
            let alice = try await env.user("alice@example.com")
            let (first, _) = try await agent(client, user: alice, provider: "echo", fields: #"{"api_key":"first-secret"}"#, group: "one")
            let (second, _) = try await agent(client, user: alice, provider: "echo", fields: #"{"api_key":"second-secret"}"#, group: "two")
            _ = try await client.call(.get, "/v1/proxy/echo/a", auth: first)
            #expect(await recorder.requests.last?.headers[.authorization] == "Bearer first-secret")
            _ = try await client.call(.get, "/v1/proxy/echo/b", auth: second)
            #expect(await recorder.requests.last?.headers[.authorization] == "Bearer second-secret")
        }
    }

    @Test(arguments: ["/v1/proxy/echo/../x", "/v1/proxy/echo/%2e%2e/x", "/v1/proxy/echo/a/..%2f..%2fx", "/v1/proxy/echo//127.0.0.1:9/x", "/v1/proxy/echo/%252e%252e/x", "/v1/proxy/echo/..%5cx"])
    func aPathThatWouldLeaveTheBaseURLNeverReachesTheUpstream(_ uri: String) async throws {
        try await withProxy { env, client, recorder in
            let alice = try await env.user("alice@example.com")
            let (agentAuth, _) = try await agent(client, user: alice, provider: "echo", fields: #"{"api_key":"k"}"#)
            let reply = try await client.call(.get, uri, auth: agentAuth)
            #expect(reply.status == .badRequest, "\(uri) → \(reply.status) \(reply.text)")
            #expect(reply.errorCode == "bad_request")
            #expect(await recorder.requests.isEmpty)
        }
    }

    @Test func largeBodiesStreamIntactBothWays() async throws {
        try await withProxy { env, client, _ in
            let alice = try await env.user("alice@example.com")
            let (agentAuth, _) = try await agent(client, user: alice, provider: "echo", fields: #"{"api_key":"k"}"#)
            let upload = (0..<(2 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 13) }
            let digest = try await client.call(.put, "/v1/proxy/echo/digest", auth: agentAuth, headers: [.contentType: "application/octet-stream"], body: ByteBuffer(bytes: upload))
            #expect(digest.text == "\(upload.count):\(upload.reduce(0) { ($0 &* 31) &+ Int($1) })")
            let download = try await client.execute(uri: "/v1/proxy/echo/large", method: .get, headers: [.authorization: agentAuth]) { response in
                Array(response.body.readableBytesView)
            }
            #expect(download == Upstream.largeBody)
        }
    }

    @Test func toolsListsTheGroupsBindings() async throws {
        try await withProxy { env, client, _ in
            let alice = try await env.user("alice@example.com")
            let (agentAuth, groupID) = try await agent(client, user: alice, provider: "echo", fields: #"{"api_key":"k"}"#)
            let tools = try await client.call(.get, "/v1/tools", auth: agentAuth)
            #expect(tools["group_id"] as? String == groupID)
            #expect(tools.list("tools").map { $0["provider"] as? String } == ["echo"])
            #expect(tools.list("tools").first?["status"] as? String == "active")
        }
    }
}
