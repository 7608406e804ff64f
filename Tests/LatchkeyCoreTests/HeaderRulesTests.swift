import Testing
@testable import LatchkeyCore

@Suite struct HeaderRulesTests {
    @Test func namesCompareIgnoringASCIICaseOnly() {
        #expect(HeaderRules.sameName("Content-Length", "content-length"))
        #expect(HeaderRules.sameName("SET-COOKIE", "set-cookie"))
        #expect(!HeaderRules.sameName("set-cookie2", "set-cookie"))
        #expect(!HeaderRules.sameName("x-a", "x-b"))
        // Only A–Z fold: bytes that differ from a letter by the case bit are other names.
        #expect(!HeaderRules.sameName("te\u{0D}", "te-"))
        #expect(!HeaderRules.sameName("@", "`"))
    }

    @Test func listedNamesAreFoundInAnyCase() {
        #expect(HeaderRules.isListed("Transfer-Encoding", in: HeaderRules.hopByHop))
        #expect(HeaderRules.isListed("Authorization", in: HeaderRules.droppedFromAgent))
        #expect(!HeaderRules.isListed("Authorization", in: HeaderRules.droppedFromUpstream))
        #expect(HeaderRules.isListed("Set-Cookie", in: HeaderRules.droppedFromUpstream))
        #expect(!HeaderRules.isListed("X-Request-Id", in: HeaderRules.droppedFromAgent))
    }

    @Test func connectionTokensAreTheNamesTheConnectionHeadersList() {
        let headers: [(name: String, value: String)] = [
            ("Connection", " Keep-Alive ,X-Session-Hint, close"), ("X-Session-Hint", "1"), ("connection", "x-other,,"),
            ("X-Not-Connection", "x-ignored"),
        ]
        // keep-alive is dropped anyway (hop-by-hop), so it is not repeated among the tokens.
        #expect(HeaderRules.connectionTokens(in: headers, alreadyDropped: HeaderRules.hopByHop) == ["X-Session-Hint", "close", "x-other"])
        #expect(HeaderRules.connectionTokens(in: [(name: "Connection", value: "keep-alive")], alreadyDropped: HeaderRules.hopByHop).isEmpty)
        #expect(HeaderRules.connectionTokens(in: [(name: "Accept", value: "a, b")], alreadyDropped: HeaderRules.hopByHop).isEmpty)
    }

    @Test func headersThatTellAProviderWhoCallsOrWhatWasAskedAreDropped() {
        for name in ["X-Forwarded-For", "x-forwarded-host", "X-FORWARDED-PROTO", "X-Forwarded-Anything", "Forwarded", "X-Real-IP",
                     "X-Original-URL", "X-Rewrite-URL", "X-HTTP-Method-Override"] {
            #expect(HeaderRules.isDroppedFromAgent(name), "\(name)")
        }
        for name in ["X-Forwarded", "X-Forwarded-", "Accept", "X-Request-Id", "OpenAI-Organization"] {
            #expect(!HeaderRules.isDroppedFromAgent(name), "\(name)")
        }
    }
}
