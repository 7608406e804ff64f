import Testing
@testable import LatchkeyServer

@Suite struct LocalRedirectTests {
    @Test(arguments: ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "//evil.example", "/\\evil.example",
                      "\\\\evil.example", "https://evil.example", " /x", "/ x", "javascript:alert(1)", "/\u{3000}/evil", "", "x/y",
                      "/\u{7F}x"])
    func aPathBrowsersCouldReadAsAnotherSiteIsRefused(_ next: String) {
        #expect(LocalRedirect.target(next) == LocalRedirect.fallback)
    }

    @Test(arguments: ["/", "/groups", "/groups/grp_1?bind=openai", "/oauth/start/abc-_123", "/credentials?notice=connected#x", "/a%2F%2Fb"])
    func aLocalPathIsKept(_ next: String) {
        #expect(LocalRedirect.target(next) == next)
    }
}
