#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the values Latchkey injected into a call wherever the provider's response echoes them, and overwrites them.
///
/// SPEC §5.8: an injected value never reaches the agent. Every byte of a matched secret becomes `*` (overlapping
/// secrets: their union), so a response keeps its length: the provider's `Content-Length` stays true and no framing
/// has to change for a rewrite, on either proxy path. The price is that the agent learns how long the secret is,
/// which key formats publish anyway. Values shorter than `minimumLength` bytes are not scrubbed: they would match
/// ordinary text (a short PIN inside every timestamp) and mangle responses while protecting little.
public struct SecretScrubber: Sendable {
    /// The byte every byte of a matched secret becomes.
    public static let markerByte = UInt8(ascii: "*")
    /// Shorter values are exempt from scrubbing.
    public static let minimumLength = 8

    /// The secrets, longest first, each at least `minimumLength` bytes, no duplicates.
    let secrets: [[UInt8]]
    /// The distinct first bytes of `secrets`: the only bytes a scan looks for (with `memchr`).
    let firstBytes: [UInt8]

    /// A scrubber for `values`; short and duplicate values are dropped.
    public init<Values: Sequence>(values: Values) where Values.Element == String {
        var unique: [[UInt8]] = []
        for value in values {
            let bytes = Array(value.utf8)
            if bytes.count >= Self.minimumLength, !unique.contains(bytes) { unique.append(bytes) }
        }
        unique.sort { $0.count > $1.count }
        secrets = unique
        var firsts: [UInt8] = []
        for secret in unique where !firsts.contains(secret[0]) { firsts.append(secret[0]) }
        firstBytes = firsts
    }

    /// A scrubber that finds nothing.
    public static let empty = SecretScrubber(values: [String]())

    /// Whether there is nothing to look for.
    public var isEmpty: Bool { secrets.isEmpty }

    /// `text` with every secret overwritten; the same string (no copy) when none occurs. For header values.
    public func scrubbed(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        // Native strings are contiguous: the look costs no copy; only a value that holds a secret is copied.
        let finding = text.utf8.withContiguousStorageIfAvailable { firstFinding(UnsafeRawBufferPointer($0), final: true) }
            ?? Array(text.utf8).withUnsafeBytes { firstFinding($0, final: true) }
        guard finding == .match else { return text }
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { overwrite($0, final: true) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// What a read-only look at some bytes found first.
    enum Finding: Equatable {
        /// No secret, and no tail that could begin one.
        case clean
        /// A secret starts somewhere.
        case match
        /// No secret before `at`, where a tail begins that is a proper prefix of a secret (only when not final).
        case partial(at: Int)
    }

    /// The first secret or (unless `final`) secret-beginning tail in `bytes`. A chunk holding none of the secrets'
    /// first bytes costs one `memchr` per distinct first byte and allocates nothing.
    func firstFinding(_ bytes: UnsafeRawBufferPointer, final: Bool) -> Finding {
        var position = 0
        while let candidate = nextCandidate(bytes, from: position) {
            switch classify(bytes, at: candidate, final: final) {
            case .match: return .match
            case .partial: return .partial(at: candidate)
            case .miss: position = candidate + 1
            }
        }
        return .clean
    }

    /// Overwrites every secret in `bytes`, left to right, and returns where the bytes to hold back start (`count`
    /// when none): a tail that is a proper prefix of a secret (unless `final`), or, when that tail begins inside a
    /// run of secrets, the start of the run, so that a secret completed by the next chunk is overwritten whole.
    func overwrite(_ bytes: UnsafeMutableRawBufferPointer, final: Bool) -> Int {
        let view = UnsafeRawBufferPointer(bytes)
        var run: Range<Int>?
        var position = 0
        while let candidate = nextCandidate(view, from: position) {
            if let open = run, candidate >= open.upperBound {
                paint(bytes, open)
                run = nil
            }
            switch classify(view, at: candidate, final: final) {
            case .match(let length):
                run = (run?.lowerBound ?? candidate)..<max(run?.upperBound ?? 0, candidate + length)
            case .partial:
                return run?.lowerBound ?? candidate
            case .miss:
                break
            }
            position = candidate + 1
        }
        if let open = run { paint(bytes, open) }
        return bytes.count
    }

    private func paint(_ bytes: UnsafeMutableRawBufferPointer, _ range: Range<Int>) {
        for index in range { bytes[index] = Self.markerByte }
    }

    enum Candidate { case miss, match(length: Int), partial }

    /// Whether a secret starts at `position`: wholly (the longest one), or cut off by the end of `bytes` (`partial`,
    /// only when not `final`). A partial of a longer secret wins over a whole shorter one: the longer one would
    /// otherwise leak its tail when the next chunk completes it.
    private func classify(_ bytes: UnsafeRawBufferPointer, at position: Int, final: Bool) -> Candidate {
        guard let base = bytes.baseAddress else { return .miss }
        let available = bytes.count - position
        var whole: Int?
        for secret in secrets {
            let length = min(secret.count, available)
            let equal = secret.withUnsafeBytes { secretBytes in
                secretBytes.baseAddress.map { memcmp($0, base + position, length) == 0 } ?? false
            }
            guard equal else { continue }
            if length == secret.count {
                whole = max(whole ?? 0, length)
            } else if !final {
                return .partial
            }
        }
        return whole.map { .match(length: $0) } ?? .miss
    }

    /// The first position at or after `start` holding one of the secrets' first bytes.
    private func nextCandidate(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = bytes.baseAddress, start < bytes.count else { return nil }
        var best: Int?
        for first in firstBytes {
            let limit = (best ?? bytes.count) - start
            guard limit > 0, let hit = memchr(base + start, Int32(first), limit) else { continue }
            best = base.distance(to: UnsafeRawPointer(hit))
        }
        return best
    }
}
