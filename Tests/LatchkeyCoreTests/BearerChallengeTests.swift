import LatchkeyCore
import Testing

@Suite struct BearerChallengeTests {
    @Test func readsQuotedAndBareParametersOfTheBearerChallenge() throws {
        let challenge = try #require(BearerChallenge.parse(#"Bearer resource_metadata="https://mcp.example/.well-known/oauth-protected-resource/mcp", error=insufficient_scope, scope="read admin""#))
        #expect(challenge.resourceMetadata == "https://mcp.example/.well-known/oauth-protected-resource/mcp")
        #expect(challenge.error == "insufficient_scope")
        #expect(challenge.scopes == ["read", "admin"])
    }

    @Test func skipsOtherSchemesAndUnescapesQuotes() throws {
        let challenge = try #require(BearerChallenge.parse(#"Basic realm="x", Bearer error="invalid_token", error_description="a \"quoted\" word""#))
        #expect(challenge.error == "invalid_token")
        #expect(challenge.parameters["error_description"] == #"a "quoted" word"#)
        #expect(BearerChallenge.parse(#"Basic realm="only basic""#) == nil)
        #expect(BearerChallenge.parse(nil) == nil)
        #expect(BearerChallenge.parse(String(repeating: "a", count: 9000)) == nil)
    }
}
