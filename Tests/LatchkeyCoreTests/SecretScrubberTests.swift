import Testing
@testable import LatchkeyCore

@Suite struct SecretScrubberTests {
    static let secret = "sk-live-0123456789"

    /// Feeds `chunks` through a stream and returns what the agent would receive, plus each step.
    static func relay(_ chunks: [String], _ scrubber: SecretScrubber) -> (text: String, steps: [ScrubbingStream.Step]) {
        var stream = ScrubbingStream(scrubber)
        var out: [UInt8] = []
        var steps: [ScrubbingStream.Step] = []
        for chunk in chunks {
            let bytes = Array(chunk.utf8)
            let step = bytes.withUnsafeBytes { stream.next($0) }
            steps.append(step)
            switch step {
            case .unchanged: out += bytes
            case .prefix(let count): out += bytes[..<count]
            case .replaced(let replaced): out += replaced
            }
        }
        out += stream.finish()
        return (String(decoding: out, as: UTF8.self), steps)
    }

    static func stars(_ text: String) -> String { String(repeating: "*", count: text.utf8.count) }

    @Test func aSecretInOneChunkIsOverwrittenKeepingTheLength() {
        let scrubber = SecretScrubber(values: [Self.secret])
        let body = #"{"echo":"\#(Self.secret)","n":1}"#
        let relayed = Self.relay([body], scrubber).text
        #expect(relayed == #"{"echo":"\#(Self.stars(Self.secret))","n":1}"#)
        #expect(relayed.utf8.count == body.utf8.count)
    }

    @Test func aSecretSplitAcrossChunksAtEveryPointIsOverwritten() {
        let scrubber = SecretScrubber(values: [Self.secret])
        let body = "before " + Self.secret + " after"
        let bytes = Array(body.utf8)
        for cut in 1..<bytes.count {
            for second in cut..<bytes.count {
                let chunks = [bytes[..<cut], bytes[cut..<second], bytes[second...]].map { String(decoding: $0, as: UTF8.self) }
                #expect(Self.relay(chunks, scrubber).text == "before " + Self.stars(Self.secret) + " after", "cut at \(cut), \(second)")
            }
        }
    }

    @Test func aSecretSpreadOverOneByteChunksIsOverwritten() {
        let scrubber = SecretScrubber(values: [Self.secret])
        let chunks = ("x" + Self.secret + "y").map { String($0) }
        #expect(Self.relay(chunks, scrubber).text == "x" + Self.stars(Self.secret) + "y")
    }

    @Test func onlyATailThatCouldBeginASecretIsHeldBackAndOnlyUntilItCannot() {
        let scrubber = SecretScrubber(values: [Self.secret])
        var stream = ScrubbingStream(scrubber)
        // "data: sk-li": the tail "sk-li" could begin the secret, everything before it goes out at once.
        let first = Array("data: sk-li".utf8)
        #expect(first.withUnsafeBytes { stream.next($0) } == .prefix(6))
        #expect(stream.isHolding)
        // "ke" ends the candidate: the held bytes go out with it, nothing is held any more.
        let second = Array("ke\n".utf8)
        #expect(second.withUnsafeBytes { stream.next($0) } == .replaced(Array("sk-like\n".utf8)))
        #expect(!stream.isHolding)
        #expect(stream.finish().isEmpty)
    }

    @Test func aChunkWithoutAnyCandidatePassesUnchanged() {
        let scrubber = SecretScrubber(values: [Self.secret, "another-secret-value"])
        let (text, steps) = Self.relay(["{\"ok\":true}", "event: ping\n\n", "sk- is not it"], scrubber)
        #expect(steps == [.unchanged, .unchanged, .unchanged])
        #expect(text == "{\"ok\":true}event: ping\n\nsk- is not it")
    }

    @Test func aHeldTailThatNeverCompletesGoesOutAtTheEnd() {
        let scrubber = SecretScrubber(values: [Self.secret])
        #expect(Self.relay(["end: sk-live-01234"], scrubber).text == "end: sk-live-01234")
    }

    @Test func overlappingSecretsAreOverwrittenAsTheirUnion() {
        // The second secret begins inside the first: neither may leave a part of itself visible.
        let a = "AAAAtoken-overlap"
        let b = "token-overlap-BBBB"
        let scrubber = SecretScrubber(values: [a, b])
        let body = "[AAAAtoken-overlap-BBBB]"
        #expect(Self.relay([body], scrubber).text == "[" + String(repeating: "*", count: 22) + "]")
        #expect(Self.relay(["[AAAAtoken-ov", "erlap-BB", "BB]"], scrubber).text == "[" + String(repeating: "*", count: 22) + "]")
    }

    @Test func aShorterSecretInsideALongerOneDoesNotLetTheLongerOneLeak() {
        let long = "prefix-and-the-long-secret"
        let short = "prefix-and"
        let scrubber = SecretScrubber(values: [long, short])
        // Split right after the short one: the long one must still be overwritten whole.
        #expect(Self.relay(["x prefix-and", "-the-long-secret y"], scrubber).text == "x " + Self.stars(long) + " y")
        #expect(Self.relay(["x prefix-and-other"], scrubber).text == "x " + Self.stars(short) + "-other")
    }

    @Test func valuesShorterThanEightBytesAreExempt() {
        let scrubber = SecretScrubber(values: ["1234567", "abc"])
        #expect(scrubber.isEmpty)
        #expect(Self.relay(["pin 1234567 abc"], scrubber).text == "pin 1234567 abc")
        #expect(SecretScrubber(values: ["12345678"]).scrubbed("pin 12345678") == "pin ********")
    }

    @Test func headerValuesAreScrubbedAndUntouchedOnesAreKept() {
        let scrubber = SecretScrubber(values: [Self.secret, "sk-live-0123456789%2B"])
        #expect(scrubber.scrubbed("https://example.test/cb?api_key=\(Self.secret)&x=1") == "https://example.test/cb?api_key=\(Self.stars(Self.secret))&x=1")
        #expect(scrubber.scrubbed("Bearer realm=\"x\"") == "Bearer realm=\"x\"")
        #expect(scrubber.scrubbed(Self.secret + Self.secret) == Self.stars(Self.secret) + Self.stars(Self.secret))
    }
}
