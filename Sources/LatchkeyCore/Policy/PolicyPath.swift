import Foundation

/// The form of a path that policy rules are matched against, from the same decoding the base-URL guard applies
/// (`ProxyPath`): every segment percent-decoded until nothing changes, then split again on `/` and `\` (so an
/// encoded slash separates segments, as some providers read it). A trailing slash is ignored.
///
/// Allow rules compare these segments exactly (case-sensitive, no Unicode folding): a variant spelling of an allowed
/// path is refused rather than guessed at. Approval rules, which must *catch* calls, compare a lenient form as well:
/// Unicode compatibility-normalised, lower-cased, with `;parameters` dropped, so that no spelling a provider may
/// read as the same path slips past an approval.
enum PolicyPath {
    /// The path's segments; nil when a segment does not decode, is `.`/`..`, empty in the middle, or has a
    /// control character (the guard refuses such paths before a policy is asked).
    static func segments(of raw: String, lenient: Bool) -> [String]? {
        // Nearly every call: plain ASCII without escapes, backslashes or `;` needs no decoding (the guard has
        // already refused control characters, `.`/`..` and empty segments).
        if !lenient, raw.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "%") && $0 != UInt8(ascii: "\\") && $0 != UInt8(ascii: ";") }) {
            var result: [String] = []
            for piece in raw.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
                let segment = String(decoding: piece, as: UTF8.self)
                if segment == "." || segment == ".." { return nil }
                result.append(segment)
            }
            // An empty segment in the middle (`//`) is refused as the slow path refuses it.
            var previous: UInt8 = 0
            for byte in raw.utf8 {
                if byte == UInt8(ascii: "/") && previous == byte { return nil }
                previous = byte
            }
            return result
        }
        var result: [String] = []
        let pieces = raw.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (index, piece) in pieces.enumerated() {
            if piece.isEmpty {
                if index == pieces.count - 1 { continue }
                return nil
            }
            guard let decoded = ProxyPath.fullyDecoded(String(piece)),
                  !decoded.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else { return nil }
            for part in decoded.split(whereSeparator: { $0 == "/" || $0 == "\\" }) {
                var segment = String(part)
                if lenient {
                    segment = segment.precomposedStringWithCompatibilityMapping.lowercased()
                    if let semicolon = segment.firstIndex(of: ";") { segment = String(segment[..<semicolon]) }
                }
                if segment == "." || segment == ".." { return nil }
                result.append(segment)
            }
        }
        return result
    }
}
