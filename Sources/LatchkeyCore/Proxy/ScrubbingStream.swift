/// One response body passing through a `SecretScrubber`, chunk by chunk, as it streams.
///
/// Nothing is delayed but the longest tail of a chunk that is a proper prefix of some secret (it may become one with
/// the next chunk); it goes out with the next chunk, or at `finish`. A chunk with nothing to overwrite and nothing
/// held before it passes as it is: no copy, no allocation.
public struct ScrubbingStream: Sendable {
    /// What to relay for a chunk.
    public enum Step: Equatable, Sendable {
        /// The chunk as it is.
        case unchanged
        /// The chunk's first `count` bytes as they are; the rest is held back.
        case prefix(Int)
        /// These bytes instead of the chunk (and anything held before it); possibly empty, when all is held back.
        case replaced([UInt8])
    }

    private let scrubber: SecretScrubber
    /// Bytes held back from earlier chunks.
    private var held: [UInt8] = []

    /// A stream through `scrubber`.
    public init(_ scrubber: SecretScrubber) { self.scrubber = scrubber }

    /// Whether bytes are being held back.
    public var isHolding: Bool { !held.isEmpty }

    /// What to relay for the next chunk of the body.
    public mutating func next(_ chunk: UnsafeRawBufferPointer) -> Step {
        guard !scrubber.isEmpty else { return .unchanged }
        if held.isEmpty {
            switch scrubber.firstFinding(chunk, final: false) {
            case .clean: return .unchanged
            case .partial(let at):
                held = Array(chunk[at...])
                return .prefix(at)
            case .match: break
            }
        }
        var bytes = held
        bytes.append(contentsOf: chunk)
        let holdFrom = bytes.withUnsafeMutableBytes { scrubber.overwrite($0, final: false) }
        held = Array(bytes[holdFrom...])
        bytes.removeSubrange(holdFrom...)
        return .replaced(bytes)
    }

    /// The end of the body: whatever was held back, with any secret in it overwritten.
    public mutating func finish() -> [UInt8] {
        var bytes = held
        held = []
        _ = bytes.withUnsafeMutableBytes { scrubber.overwrite($0, final: true) }
        return bytes
    }
}
