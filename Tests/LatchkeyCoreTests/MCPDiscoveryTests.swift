import Foundation
import LatchkeyCore
import Testing

/// Discovery against an in-process stand-in for the remote side: the edge cases a real server does not produce.
@Suite struct MCPDiscoveryTests {
    final class Remote: TokenHTTPClient, @unchecked Sendable {
        var documents: [String: (Int, String, String?)] = [:]
        var privateHosts: Set<String> = []
        var requested: [(String, Bool)] = []

        func postForm(url: String, form: [(String, String)], headers: [(String, String)]) async throws -> TokenHTTPResponse {
            TokenHTTPResponse(status: 500, contentType: nil, body: Data())
        }

        func send(method: String, url: String, body: Data?, headers: [(String, String)], publicAddressOnly: Bool) async throws -> TokenHTTPResponse {
            requested.append((url, publicAddressOnly))
            if publicAddressOnly, let host = URLComponents(string: url)?.host, privateHosts.contains(host) { throw LatchkeyError.upstreamForbidden(host) }
            let (status, text, challenge) = documents[url] ?? (404, "", nil)
            return TokenHTTPResponse(status: status, contentType: "application/json", body: Data(text.utf8), wwwAuthenticate: challenge)
        }
    }

    static let server = RemoteMCPServer(url: "https://mcp.example/mcp")

    static func outcome<T>(_ work: () async throws(DiscoveryError) -> T) async -> Result<T, DiscoveryError> {
        do { return .success(try await work()) } catch { return .failure(error) }
    }

    func remote(issuer: String = "https://auth.example", metadataIssuer: String? = nil, pkce: String = #"["S256"]"#) -> Remote {
        let remote = Remote()
        remote.documents["https://mcp.example/mcp"] = (401, "", #"Bearer resource_metadata="https://mcp.example/.well-known/oauth-protected-resource/mcp""#)
        remote.documents["https://mcp.example/.well-known/oauth-protected-resource/mcp"] = (200, #"{"resource":"https://mcp.example/mcp","authorization_servers":["\#(issuer)"],"scopes_supported":["read"]}"#, nil)
        remote.documents["https://auth.example/.well-known/oauth-authorization-server"] = (200, """
            {"issuer":"\(metadataIssuer ?? issuer)","authorization_endpoint":"https://auth.example/authorize","token_endpoint":"https://auth.example/token",
             "registration_endpoint":"https://auth.example/register","code_challenge_methods_supported":\(pkce)}
            """, nil)
        return remote
    }

    @Test func findsTheAuthorizationServerNamedByTheChallenge() async throws {
        let remote = remote()
        let found = try await MCPDiscovery(http: remote).discover(Self.server, serverTrusted: true)
        #expect(found.metadata.issuer == "https://auth.example")
        #expect(found.metadata.tokenEndpoint == "https://auth.example/token")
        #expect(found.resourceScopes == ["read"])
        // The operator's own URL is trusted; everything the remote side names is fetched from public addresses only.
        #expect(remote.requested.first.map { $0.1 } == false)
        #expect(remote.requested.dropFirst().allSatisfy { $0.1 })
    }

    @Test func anIssuerThatDoesNotMatchIsRefused() async throws {
        await #expect(throws: DiscoveryError.refused("the authorization server's metadata names issuer 'https://evil.example', not 'https://auth.example'")) {
            try await MCPDiscovery(http: remote(metadataIssuer: "https://evil.example")).discover(Self.server, serverTrusted: true)
        }
    }

    @Test func anAuthorizationServerWithoutS256IsRefused() async throws {
        await #expect(throws: DiscoveryError.self) { try await MCPDiscovery(http: remote(pkce: #"["plain"]"#)).discover(Self.server, serverTrusted: true) }
        await #expect(throws: DiscoveryError.self) { try await MCPDiscovery(http: remote(pkce: "null")).discover(Self.server, serverTrusted: true) }
    }

    @Test func resourceMetadataForAnotherResourceIsRefused() async throws {
        let remote = remote()
        remote.documents["https://mcp.example/.well-known/oauth-protected-resource/mcp"] = (200, #"{"resource":"https://other.example/mcp","authorization_servers":["https://auth.example"]}"#, nil)
        await #expect(throws: DiscoveryError.self) { try await MCPDiscovery(http: remote).discover(Self.server, serverTrusted: true) }
    }

    @Test func aPrivateOrPlainHTTPAuthorizationServerIsRefused() async throws {
        let privately = remote(issuer: "https://auth.example")
        privately.privateHosts = ["auth.example"]
        let outcome: Result<MCPDiscovery.Found, DiscoveryError> = await Self.outcome { () async throws(DiscoveryError) in try await MCPDiscovery(http: privately).discover(Self.server, serverTrusted: true) }
        guard case .failure(let error) = outcome else { Issue.record("a private authorization server must be refused"); return }
        #expect(error.reason.contains("public address"))
        await #expect(throws: DiscoveryError.self) { try await MCPDiscovery(http: remote(issuer: "http://auth.example")).discover(Self.server, serverTrusted: true) }
    }
}
