import Foundation

/// A policy path pattern such as `/repos/acme/**`: literal segments, `*` for exactly one segment, `**` for any number
/// (none included, so `/x/**` also covers `/x`). Literals may be percent-encoded; they are compared decoded.
public struct PathPattern: Sendable, Equatable, Codable {
    /// The pattern as the owner wrote it.
    public let text: String
    let segments: [Piece]

    enum Piece: Sendable, Equatable {
        case literal(String)
        case one
        case any
    }

    /// Parses `text`; a clear error when it is not a pattern.
    public init(_ text: String) throws(LatchkeyError) {
        guard text.hasPrefix("/") else { throw .badRequest("a path pattern must start with '/': '\(text.prefix(80))'") }
        guard text.utf8.count <= 512 else { throw .badRequest("a path pattern may be at most 512 characters long") }
        guard !text.contains("?"), !text.contains("#") else { throw .badRequest("a path pattern matches the path only: no '?' or '#' ('\(text.prefix(80))')") }
        guard let normalised = PolicyPath.segments(of: text, lenient: false) else {
            throw .badRequest("'\(text.prefix(80))' is not a valid path pattern (bad escape, control character, '.' or '..', or an empty segment)")
        }
        var pieces: [Piece] = []
        for segment in normalised {
            switch segment {
            case "*": pieces.append(.one)
            case "**": if pieces.last != .any { pieces.append(.any) }
            default:
                guard !segment.contains("*") else { throw .badRequest("'*' and '**' must be whole segments in '\(text.prefix(80))'") }
                pieces.append(.literal(segment))
            }
        }
        self.text = text
        self.segments = pieces
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try PathPattern(text) } catch { throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)")) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    /// Whether `path` (segments as `PolicyPath.segments` gives them) matches; `lenient` compares literals
    /// case-insensitively, for rules that must catch a call rather than let one through.
    func matches(_ path: [String], lenient: Bool) -> Bool {
        Self.match(segments[...], path[...], lenient: lenient)
    }

    private static func match(_ pattern: ArraySlice<Piece>, _ path: ArraySlice<String>, lenient: Bool) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        switch first {
        case .any:
            let rest = pattern.dropFirst()
            if rest.isEmpty { return true }
            var remaining = path
            while true {
                if match(rest, remaining, lenient: lenient) { return true }
                guard !remaining.isEmpty else { return false }
                remaining = remaining.dropFirst()
            }
        case .one:
            guard !path.isEmpty else { return false }
            return match(pattern.dropFirst(), path.dropFirst(), lenient: lenient)
        case .literal(let literal):
            guard let segment = path.first else { return false }
            let equal = lenient ? literal.precomposedStringWithCompatibilityMapping.lowercased() == segment : literal == segment
            return equal && match(pattern.dropFirst(), path.dropFirst(), lenient: lenient)
        }
    }
}
