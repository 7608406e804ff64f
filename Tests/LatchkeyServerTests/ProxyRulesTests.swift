import LatchkeyCore
import NIOHTTP1
import Testing
@testable import LatchkeyServer

@Suite struct ProxyRulesTests {
    static func head(_ status: Int, _ headers: [(String, String)] = [], version: HTTPVersion = .http1_1) -> HTTPResponseHead {
        HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: status), headers: HTTPHeaders(headers))
    }

    @Test(arguments: ["CONNECT", "TRACE", "TRACK", "trace", "Connect"])
    func tunnellingAndEchoingMethodsAreRefused(_ method: String) {
        #expect(throws: LatchkeyError.methodNotAllowed(method.uppercased())) { try ProxyRules.checkMethod(method) }
    }

    @Test(arguments: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PROPFIND"])
    func otherMethodsPass(_ method: String) throws {
        try ProxyRules.checkMethod(method)
    }

    @Test func targetsSplitByteForByteWithoutDecoding() {
        let split = ProxyRules.target("/v1/proxy/echo/a%2Fb/c?x=1&y=%20#frag")
        #expect(split.provider == "echo")
        #expect(split.path == "/a%2Fb/c")
        #expect(split.query == "x=1&y=%20")
        let bare = ProxyRules.target("/v1/proxy/echo")
        #expect(bare.provider == "echo" && bare.path == "" && bare.query == nil)
        let empty = ProxyRules.target("/v1/proxy/echo/?")
        #expect(empty.path == "/" && empty.query == "")
    }

    @Test func bodilessResponsesAreHeadOneXXTwoOFourAndThreeOFour() {
        #expect(!ProxyRules.responseHasBody(method: "HEAD", status: 200))
        for status in [100, 101, 103, 204, 304] { #expect(!ProxyRules.responseHasBody(method: "GET", status: status)) }
        for status in [200, 201, 302, 404, 500] { #expect(ProxyRules.responseHasBody(method: "GET", status: status)) }
    }

    @Test func theRelayedLengthIsTheProvidersOnlyWhenItFramesABody() {
        #expect(ProxyRules.relayedLength(method: "GET", status: 200, upstream: ["Content-Length": "12"]) == 12)
        #expect(ProxyRules.relayedLength(method: "HEAD", status: 200, upstream: ["Content-Length": "12"]) == 12)
        #expect(ProxyRules.relayedLength(method: "GET", status: 204, upstream: ["Content-Length": "12"]) == nil)
        #expect(ProxyRules.relayedLength(method: "GET", status: 304, upstream: ["Content-Length": "12"]) == nil)
        #expect(ProxyRules.relayedLength(method: "GET", status: 200, upstream: ["Content-Length": "12", "Transfer-Encoding": "chunked"]) == nil)
        #expect(ProxyRules.relayedLength(method: "GET", status: 200, upstream: HTTPHeaders([("Content-Length", "1"), ("Content-Length", "2")])) == nil)
        #expect(ProxyRules.relayedLength(method: "GET", status: 200, upstream: ["Content-Length": "-1"]) == nil)
    }

    @Test func onlyUnambiguouslyFramedResponsesLetTheConnectionBeReused() {
        #expect(ProxyRules.mayReuseConnection(method: "GET", response: Self.head(200, [("Content-Length", "5")])))
        #expect(ProxyRules.mayReuseConnection(method: "POST", response: Self.head(200, [("Transfer-Encoding", "chunked")])))
        #expect(ProxyRules.mayReuseConnection(method: "GET", response: Self.head(204)))
        #expect(ProxyRules.mayReuseConnection(method: "GET", response: Self.head(304, [("Content-Length", "0")])))
        // Doubt closes the connection.
        #expect(!ProxyRules.mayReuseConnection(method: "HEAD", response: Self.head(200, [("Content-Length", "5")])))
        #expect(!ProxyRules.mayReuseConnection(method: "CONNECT", response: Self.head(200, [("Content-Length", "0")])))
        #expect(!ProxyRules.mayReuseConnection(method: "GET", response: Self.head(204, [("Content-Length", "40")])))
        #expect(!ProxyRules.mayReuseConnection(method: "GET", response: Self.head(304, [("Transfer-Encoding", "chunked")])))
        #expect(!ProxyRules.mayReuseConnection(method: "GET", response: Self.head(101, [("Upgrade", "x")])))
        #expect(!ProxyRules.mayReuseConnection(method: "GET", response: Self.head(200)))  // ends by close
        #expect(!ProxyRules.mayReuseConnection(method: "GET", response: Self.head(200, [("Content-Length", "5"), ("Content-Length", "5")])))
        #expect(!ProxyRules.mayReuseConnection(method: "GET", response: Self.head(200, [("Content-Length", "5"), ("Transfer-Encoding", "chunked")])))
        #expect(!ProxyRules.mayReuseConnection(method: "GET", response: Self.head(200, [("Transfer-Encoding", "gzip, chunked")])))
        #expect(!ProxyRules.mayReuseConnection(method: "GET", response: Self.head(200, [("Content-Length", "5"), ("Connection", "close")])))
        #expect(!ProxyRules.mayReuseConnection(method: "GET", response: Self.head(200, [("Content-Length", "5")], version: .http1_0)))
    }

    @Test func relayedHeadersDropHopByHopAndCookiesAndScrubEveryValue() {
        let scrubber = SecretScrubber(values: ["sk-0123456789", "sk-0123456789%2B"])
        let upstream = HTTPHeaders([
            ("Location", "https://cb.example/x?api_key=sk-0123456789%2B"), ("Link", "<https://x/?k=sk-0123456789>; rel=next"),
            ("WWW-Authenticate", #"Bearer error="invalid_token", token="sk-0123456789""#), ("Set-Cookie", "s=1"),
            ("Connection", "close, X-Hop"), ("X-Hop", "1"), ("Content-Length", "3"), ("X-Kept", "ok"),
        ])
        let relayed = ProxyRules.relayedHeaders(upstream, scrubber: scrubber)
        #expect(relayed.map(\.name) == ["Location", "Link", "WWW-Authenticate", "X-Kept"])
        #expect(relayed["Location"] == ["https://cb.example/x?api_key=****************"])
        #expect(relayed["Link"] == ["<https://x/?k=*************>; rel=next"])
        #expect(!relayed.map(\.value).joined().contains("sk-0123456789"))
    }

    @Test func onlyFinalStatusesAreRelayed() {
        #expect(!ProxyRules.isFinalAnswer(status: 101))
        #expect(!ProxyRules.isFinalAnswer(status: 100))
        #expect(ProxyRules.isFinalAnswer(status: 200))
        #expect(ProxyRules.isFinalAnswer(status: 204))
    }

    @Test func renewalRetryAndOutcomes() {
        #expect(ProxyRules.renewsAfter(status: 401, renewable: true))
        #expect(!ProxyRules.renewsAfter(status: 401, renewable: false))
        #expect(!ProxyRules.renewsAfter(status: 403, renewable: true))
        #expect(ProxyRules.retriesOnFreshConnection(method: "GET"))
        #expect(!ProxyRules.retriesOnFreshConnection(method: "POST"))
        #expect(!ProxyRules.retriesOnFreshConnection(method: "TRACE"))
        #expect(ProxyRules.outcome(status: 503) == "503")
    }
}
