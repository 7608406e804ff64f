import Foundation
import Testing
@testable import LatchkeyCore

@Suite struct SecretTokenTests {
    @Test func aGeneratedTokenParsesBackToItsPrefixAndHash() throws {
        let token = SecretToken.generate(.agentKey)
        #expect(token.value.hasPrefix("lka_"))
        let parsed = try #require(SecretToken.parse(token.value, kind: .agentKey))
        #expect(parsed.prefix == token.prefix)
        #expect(parsed.hash == token.hash)
        #expect(SecretToken.parse(token.value, kind: .userAPIToken) == nil)
    }

    @Test func malformedTokensDoNotParse() {
        #expect(SecretToken.parse("lka_short", kind: .agentKey) == nil)
        #expect(SecretToken.parse("lka_" + String(repeating: "é", count: 43), kind: .agentKey) == nil)
        #expect(SecretToken.parse("", kind: .agentKey) == nil)
        let body = String(repeating: "a", count: 43)
        #expect(SecretToken.parse("lka_" + body, kind: .agentKey)?.prefix == String(repeating: "a", count: 12))
        #expect(SecretToken.parse("lka-" + body, kind: .agentKey) == nil)
        #expect(SecretToken.parse("lka_" + body + "a", kind: .agentKey) == nil)
        #expect(SecretToken.parse("lka_" + body.dropLast(2) + "é", kind: .agentKey) == nil)  // 47 bytes, not 47 characters
        #expect(SecretToken.parse("lka_" + body.dropLast() + "-", kind: .agentKey) == nil)
    }

    @Test func constantTimeEqualityComparesWholeValues() {
        #expect(SecretToken.constantTimeEquals(Data([1, 2, 3]), Data([1, 2, 3])))
        #expect(!SecretToken.constantTimeEquals(Data([1, 2, 3]), Data([1, 2, 4])))
        #expect(!SecretToken.constantTimeEquals(Data([1, 2]), Data([1, 2, 3])))
        // Slices (whose indices do not start at zero) compare by content.
        #expect(SecretToken.constantTimeEquals(Data([9, 1, 2, 3])[1...], Data([1, 2, 3])))
        #expect(!SecretToken.constantTimeEquals(Data([9, 1, 2, 3])[1...], Data([9, 1, 2])))
    }

    @Test func theHashIsSHA256OfTheToken() {
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        #expect(SecretToken.hash("abc").map { String(format: "%02x", $0) }.joined() == expected)
        // A token that is a slice of a larger string hashes the same as the token alone.
        let larger = "Bearer abc"
        #expect(SecretToken.hash(String(larger.dropFirst(7))) == SecretToken.hash("abc"))
    }

    @Test func tokensAreUnique() {
        let tokens = Set((0..<200).map { _ in SecretToken.generate(.userAPIToken).value })
        #expect(tokens.count == 200)
    }
}
