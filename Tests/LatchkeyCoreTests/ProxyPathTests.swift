import Testing
@testable import LatchkeyCore

@Suite struct ProxyPathTests {
    /// Paths that could leave the base URL on some upstream or intermediary; every one must be refused.
    static let tricks: [String] = [
        "/../secret", "/a/../../secret", "/..", "/.", "/./a", "/a/.", "/..%2fsecret", "/..%2Fsecret", "/%2e%2e/secret",
        "/%2E%2E/secret", "/%2e%2e%2fsecret", "/%252e%252e%252fsecret", "/%25252e%25252e/x", "/.%2e/secret", "/%2e./secret",
        "/a#?api_key=x", "/v1/models#", "/..\\secret", "/..%5csecret", "/%5c..%5csecret", "/a%2f..%2f..%2fsecret", "/..;/secret", "/.;/secret", "/;/../x",
        "//evil.example.com/x", "/a//b", "/a//", "//", "/%ef%bc%8e%ef%bc%8e/secret", "/..%c0%af/secret", "/%c0%ae%c0%ae/secret",
        "/x%0d%0aHost:%20evil", "/x%00", "/x%0a", "/x%", "/x%zz", "/%u002e%u002e/x", "/a b", "/é", "/x\u{0}",
        "/x\r\nHost: evil",
    ]

    @Test(arguments: tricks)
    func aPathThatCouldEscapeIsRefused(_ path: String) {
        #expect(throws: LatchkeyError.self) { try ProxyPath.validate(path) }
    }

    static let ordinary: [String] = [
        "", "/", "/v1/models", "/v1/models/", "/repos/octo/hello-world/issues", "/projects/group%2Fproject/issues",
        "/users/@me", "/files/report.v2.pdf", "/a/..b/c", "/a/b..", "/search/caf%C3%A9", "/x%20y", "/a:b", "/~user",
    ]

    @Test(arguments: ordinary)
    func anOrdinaryPathIsForwardedUnchanged(_ path: String) throws {
        #expect(try ProxyPath.validate(path) == path)
    }

    @Test func aQueryWithAnEncodedLineBreakIsRefused() {
        #expect(throws: LatchkeyError.self) { try ProxyPath.validateQuery("a=1%0d%0aX:1") }
        #expect(throws: LatchkeyError.self) { try ProxyPath.validateQuery("a=1 2") }
        #expect(throws: Never.self) { try ProxyPath.validateQuery("q=hello%20world&page=2") }
    }
}
