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

    /// The set the per-call checks use answers as the list it is made of, for every listed name in any case and for
    /// names of the same lengths that are not listed.
    @Test func aHeaderNameSetAnswersAsItsList() {
        let lists = [HeaderRules.droppedFromAgent, HeaderRules.droppedFromUpstream, HeaderRules.hopByHop]
        for list in lists {
            let set = HeaderNameSet(list)
            for name in list {
                #expect(set.contains(name) && set.contains(name.uppercased()))
                let other = String(name.dropLast()) + "_"
                #expect(set.contains(other) == HeaderRules.isListed(other, in: list), "\(other)")
            }
            #expect(!set.contains("") && !set.contains(String(repeating: "x", count: 200)))
        }
        #expect(HeaderRules.isDroppedFromUpstream("SET-COOKIE") && HeaderRules.isDroppedFromUpstream("Content-Length"))
        #expect(!HeaderRules.isDroppedFromUpstream("Authorization") && !HeaderRules.isDroppedFromUpstream("Set-Cookie3"))
        #expect(HeaderNameSet([]).contains("a") == false)
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
