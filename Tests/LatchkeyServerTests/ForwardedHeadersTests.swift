import LatchkeyCore
import NIOHTTP1
import Testing
@testable import LatchkeyServer

/// The headers the proxy sends upstream: an agent's own header replaces a default of the same name (any case),
/// never an injected one.
@Suite struct ForwardedHeadersTests {
    static let injected: [(name: String, value: String)] = [("Authorization", "Bearer secret")]
    static let defaults: [(name: String, value: String)] = [("Example-Version", "2025-09-03"), ("Accept", "application/vnd.example+json")]

    @Test func defaultsGoOnWhenTheAgentSentNone() {
        let headers = ProxyForwarder.forwardedHeaders(HTTPHeaders([("X-Trace", "1")]), injected: Self.injected, defaults: Self.defaults)
        #expect(headers["Example-Version"] == ["2025-09-03"])
        #expect(headers["Accept"] == ["application/vnd.example+json"])
        #expect(headers["X-Trace"] == ["1"])
        #expect(headers["Authorization"] == ["Bearer secret"])
    }

    @Test func theAgentsOwnHeaderWinsOverADefaultWhateverItsCase() {
        let agent = HTTPHeaders([("example-version", "2026-03-01"), ("ACCEPT", "application/json")])
        let headers = ProxyForwarder.forwardedHeaders(agent, injected: Self.injected, defaults: Self.defaults)
        #expect(headers["Example-Version"] == ["2026-03-01"])
        #expect(headers["Accept"] == ["application/json"])
    }

    @Test func theAgentNeverReplacesAnInjectedHeader() {
        let agent = HTTPHeaders([("authorization", "Bearer agent"), ("X-Key", "agent")])
        let headers = ProxyForwarder.forwardedHeaders(agent, injected: Self.injected + [("x-key", "injected")], defaults: [("X-Key", "default")])
        #expect(headers["Authorization"] == ["Bearer secret"])
        #expect(headers["X-Key"] == ["injected"])
    }
}
