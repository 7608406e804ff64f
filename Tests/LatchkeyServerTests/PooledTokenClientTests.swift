import LatchkeyCore
import NIOCore
import NIOPosix
import Testing
@testable import LatchkeyServer

@Suite struct PooledTokenClientTests {
    @Test func aURLSplitsIntoItsOriginAndItsTargetWithoutTheFragment() throws {
        let cases: [(String, String, String)] = [
            ("https://oauth2.example.com/token", "https://oauth2.example.com", "/token"),
            ("http://127.0.0.1:8080/a/b?c=d&e=f#frag", "http://127.0.0.1:8080", "/a/b?c=d&e=f"),
            ("https://example.com", "https://example.com", "/"),
            ("https://example.com?x=1", "https://example.com", "/?x=1"),
            ("http://[::1]:9/t", "http://[::1]:9", "/t"),
        ]
        for (url, origin, target) in cases {
            let split = try #require(PooledTokenClient.split(url))
            #expect(split.origin == origin)
            #expect(split.target == target)
        }
    }

    /// A discovered document names URLs Latchkey requests: nothing in one may reach the request line as is.
    @Test(arguments: ["http://example.com/a b", "http://example.com/a\r\nX-Injected: 1", "http://example.com/\u{7f}", "http://example.com/é",
                      "ftp://example.com/token", "example.com/token"])
    func aURLThatCouldBreakTheRequestLineOrIsNotHTTPIsRefused(_ url: String) {
        #expect(PooledTokenClient.split(url) == nil)
    }

    /// NIO writes header fields as given: a value that reached a token or discovery request with a line break in it
    /// would add a header, or a whole request, of its own.
    @Test(arguments: [("Authorization", "Basic a\r\nX-Injected: 1"), ("X-A\r\nX-Injected", "1"), ("Accept", "a\nb"), ("Accept", "a\u{0}")])
    func aHeaderWithALineBreakOrControlCharacterIsRefusedBeforeAnyConnection(_ header: (String, String)) async throws {
        let server = try await CountingHTTPServer.start()
        let client = UpstreamAddressGuardTests.tokenClient(allowPrivate: true)
        await #expect(throws: LatchkeyError.self) {
            _ = try await client.postForm(url: "http://127.0.0.1:\(server.port)/token", form: [], headers: [header])
        }
        await #expect(throws: LatchkeyError.self) {
            _ = try await client.send(method: "GET", url: "http://127.0.0.1:\(server.port)/meta", body: nil, headers: [header], publicAddressOnly: false)
        }
        #expect(server.connections == 0)
        await server.stop()
    }

    @Test func aURLWithUserInfoIsRefusedBeforeAnyConnection() async throws {
        let server = try await CountingHTTPServer.start()
        let client = UpstreamAddressGuardTests.tokenClient(allowPrivate: true)
        await #expect(throws: LatchkeyError.self) {
            _ = try await client.postForm(url: "http://user@127.0.0.1:\(server.port)/token", form: [], headers: [])
        }
        #expect(server.connections == 0)
        await server.stop()
    }

    /// Token requests of one process share keep-alive connections, as proxied calls do: a pass of many refreshes
    /// does not open a connection (or do a TLS handshake) per refresh.
    @Test func sequentialRequestsReuseOneConnection() async throws {
        let server = try await CountingHTTPServer.start()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = PooledTokenClient(pools: UpstreamPools(settings: .init(connectTimeout: .seconds(2), readTimeout: .seconds(5), allowPrivateUpstreams: true)),
                                       group: group)
        for index in 0..<5 {
            let response = try await client.postForm(url: "http://127.0.0.1:\(server.port)/token?n=\(index)", form: [("grant_type", "refresh_token")],
                                                     headers: [("Host", "evil.example")])
            #expect(response.status == 200)
            // The Host is the URL's, whatever a provider's token headers say.
            #expect(String(decoding: response.body, as: UTF8.self) == "POST /token?n=\(index) host=127.0.0.1:\(server.port)")
            #expect(response.contentType == "text/plain")
        }
        #expect(server.connections == 1)
        await server.stop()
        try await group.shutdownGracefully()
    }

    @Test func theFormAndHeadersReachTheEndpointAndARedirectIsNotFollowed() async throws {
        let recorder = Recorder()
        try await Upstream.application(recorder: recorder).test(.live) { upstream in
            let port = try #require(upstream.port)
            let client = UpstreamAddressGuardTests.tokenClient(allowPrivate: true)
            let response = try await client.postForm(url: "http://127.0.0.1:\(port)/oauth/token", form: [("grant_type", "refresh_token"), ("refresh_token", "r 1&=")],
                                                     headers: [("Accept", "application/json"), ("Content-Type", "text/evil")])
            #expect(response.status == 200)
            let redirected = try await client.send(method: "GET", url: "http://127.0.0.1:\(port)/redirect", body: nil, headers: [], publicAddressOnly: false)
            #expect(redirected.status == 302)
            let requests = await recorder.requests
            #expect(requests.count == 2)
            let token = try #require(requests.first)
            #expect(token.method == "POST")
            #expect(token.uri == "/oauth/token")
            #expect(String(decoding: token.body, as: UTF8.self) == "grant_type=refresh_token&refresh_token=r%201%26%3D")
            #expect(token.headers[.contentType] == "application/x-www-form-urlencoded")
            #expect(token.headers[.accept] == "application/json")
        }
    }

    @Test func aResponseOverOneMebibyteFailsTheRequest() async throws {
        let recorder = Recorder()
        try await Upstream.application(recorder: recorder).test(.live) { upstream in
            let port = try #require(upstream.port)
            let client = UpstreamAddressGuardTests.tokenClient(allowPrivate: true)
            await #expect(throws: LatchkeyError.self) {
                _ = try await client.send(method: "GET", url: "http://127.0.0.1:\(port)/large", body: nil, headers: [], publicAddressOnly: false)
            }
        }
    }

    @Test func nothingListeningIsATransportErrorNotAnAnswer() async throws {
        let client = UpstreamAddressGuardTests.tokenClient(allowPrivate: true)
        await #expect(throws: (any Error).self) {
            _ = try await client.postForm(url: "http://127.0.0.1:9/token", form: [], headers: [])
        }
    }
}
