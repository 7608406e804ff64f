import HTTPTypes
import NIOHTTP1
import Testing
@testable import LatchkeyServer

/// What the proxy hands the policy and budget: wait preferences and method overrides read from the agent's call.
@Suite struct GateCallTests {
    static func call(_ method: HTTPRequest.Method = .post, query: String? = nil, headers: [(String, String)] = []) -> ProxyForwarder.Call {
        ProxyForwarder.Call(method: method, path: "/items/1", query: query, headers: HTTPHeaders(headers), body: .none)
    }

    @Test func preferWaitIsReadAndOtherPreferencesIgnored() {
        #expect(ProxyForwarder.waitSeconds(HTTPHeaders([("Prefer", "wait=30")])) == 30)
        #expect(ProxyForwarder.waitSeconds(HTTPHeaders([("Prefer", "wait=3600")])) == 60)
        #expect(ProxyForwarder.waitSeconds(HTTPHeaders([("Prefer", "return=minimal, wait=5")])) == 5)
        #expect(ProxyForwarder.waitSeconds(HTTPHeaders([("prefer", "WAIT = 7")])) == 7)
        #expect(ProxyForwarder.waitSeconds(HTTPHeaders([("Prefer", "wait=-3")])) == 0)
        #expect(ProxyForwarder.waitSeconds(HTTPHeaders([("Prefer", "wait=abc")])) == 0)
        #expect(ProxyForwarder.waitSeconds(HTTPHeaders([("Prefer", "wait=99999999999")])) == 60)
        #expect(ProxyForwarder.waitSeconds(HTTPHeaders([("Prefer", "wait=9999999999999999999999")])) == 60)
        #expect(ProxyForwarder.waitSeconds(HTTPHeaders()) == 0)
    }

    @Test func methodOverridesComeFromHeadersAndQuery() {
        #expect(ProxyForwarder.methodOverrides(Self.call()) == [])
        #expect(ProxyForwarder.methodOverrides(Self.call(headers: [("X-HTTP-Method-Override", " delete ")])) == ["DELETE"])
        #expect(ProxyForwarder.methodOverrides(Self.call(headers: [("X-HTTP-Method", "PUT"), ("X-Method-Override", "PATCH")])) == ["PUT", "PATCH"])
        #expect(ProxyForwarder.methodOverrides(Self.call(query: "a=1&_method=delete")) == ["DELETE"])
        #expect(ProxyForwarder.methodOverrides(Self.call(query: "%5Fmethod=DELETE")) == ["DELETE"])
        #expect(ProxyForwarder.methodOverrides(Self.call(query: "X-HTTP-Method-Override=PUT")) == ["PUT"])
        // Flickr-style `method=` parameters name an API operation, not an HTTP method.
        #expect(ProxyForwarder.methodOverrides(Self.call(query: "method=flickr.photos.search")) == [])
    }

    @Test func theToolNameReachesTheGate() {
        var call = Self.call(.get)
        call.tool = "get_item"
        let gate = ProxyForwarder.gateCall(call)
        #expect(gate.tool == "get_item" && gate.method == "GET" && gate.path == "/items/1")
    }
}
