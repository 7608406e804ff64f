import Foundation

/// Decides whether an agent's path may be appended to a provider's base URL.
///
/// The path is forwarded byte for byte as the agent sent it (so APIs that need encoded characters such as
/// GitLab's `group%2Fproject` keep working), but only after checking what any upstream could make of it: every
/// segment is percent-decoded repeatedly, Unicode-normalised, and split on `/`, `\` and `;`; a `.` or `..` anywhere,
/// an empty segment, a control character or invalid UTF-8 refuses the whole request. Nothing refused is ever sent.
public enum ProxyPath {
    /// Checks `raw`, the path after `/v1/proxy/{provider}` (empty, or starting with `/`). Returns it unchanged.
    public static func validate(_ raw: String) throws(LatchkeyError) -> String {
        if raw.isEmpty { return raw }
        // On the bytes in place: this runs on every proxied call.
        var bytes = raw
        if let refusal = bytes.withUTF8(refusal(ofPath:)) { throw refusal }
        return raw
    }

    /// Why the path `bytes` is refused, or nil when it may be sent.
    private static func refusal(ofPath bytes: UnsafeBufferPointer<UInt8>) -> LatchkeyError? {
        guard bytes.first == UInt8(ascii: "/") else { return .badRequest("the path must start with '/'") }
        // A raw `#` would end the path at the provider: an injected query after it would be dropped as a fragment.
        for byte in bytes where byte <= 0x20 || byte == 0x7f || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "#") || byte >= 0x80 {
            return .badRequest("the path contains a character that must be percent-encoded (space, control character, backslash, '#' or non-ASCII)")
        }
        var start = 1
        while true {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "/") { end += 1 }
            let isLast = end == bytes.count
            if start == end {
                // A trailing slash is a real path; an empty segment in the middle (`//`) is not, and some servers read `//host` as an authority.
                return isLast ? nil : .badRequest("the path contains an empty segment ('//')")
            }
            if let refusal = refusal(ofSegment: UnsafeBufferPointer(rebasing: bytes[start..<end])) { return refusal }
            if isLast { return nil }
            start = end + 1
        }
    }

    private static func refusal(ofSegment segment: UnsafeBufferPointer<UInt8>) -> LatchkeyError? {
        // Nearly every segment: the path holds only printable ASCII without `\\` or `#`, so one without `%` decodes
        // and normalises to itself, and only its name before any `;` can be `.` or `..`.
        guard segment.contains(UInt8(ascii: "%")) else {
            let name = segment.prefix { $0 != UInt8(ascii: ";") }
            let isDots = (1...2).contains(name.count) && name.allSatisfy { $0 == UInt8(ascii: ".") }
            return isDots ? .badRequest("the path may not contain '.' or '..' segments, in any encoding") : nil
        }
        do {
            try checkEncodedSegment(String(decoding: segment, as: UTF8.self))
            return nil
        } catch {
            return error
        }
    }

    /// Checks that a query string carries no characters that could split a request.
    public static func validateQuery(_ raw: String) throws(LatchkeyError) {
        for byte in raw.utf8 where byte <= 0x20 || byte == 0x7f || byte >= 0x80 || byte == UInt8(ascii: "#") {
            throw .badRequest("the query contains a character that must be percent-encoded")
        }
        guard let decoded = fullyDecoded(raw), !decoded.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw .badRequest("the query contains an invalid escape or a control character")
        }
    }

    /// A segment holding a percent sign: decoded (repeatedly), normalised and split the ways a server might.
    static func checkEncodedSegment(_ segment: String) throws(LatchkeyError) {
        guard let decoded = fullyDecoded(segment) else {
            throw .badRequest("the path contains an invalid percent-escape or invalid UTF-8")
        }
        if decoded.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw .badRequest("the path contains an encoded control character")
        }
        // Fullwidth and other compatibility forms of '.', '/' and '\' normalise to the ASCII ones on some servers.
        let normalised = decoded.precomposedStringWithCompatibilityMapping
        for piece in normalised.split(whereSeparator: { $0 == "/" || $0 == "\\" }) {
            let name = piece.split(separator: ";", omittingEmptySubsequences: false).first ?? piece
            if name == "." || name == ".." { throw .badRequest("the path may not contain '.' or '..' segments, in any encoding") }
        }
        if normalised.hasPrefix(".;") || normalised.hasPrefix("..;") { throw .badRequest("the path may not contain '.' or '..' segments, in any encoding") }
    }

    /// Percent-decodes until nothing changes (at most 4 rounds); nil on an invalid escape or invalid UTF-8.
    static func fullyDecoded(_ text: String) -> String? {
        var current = text
        for _ in 0..<4 {
            guard current.contains("%") else { return current }
            guard let next = percentDecode(current) else { return nil }
            if next == current { return current }
            current = next
        }
        // Still encoded after four rounds: nothing legitimate nests that deep.
        return current.contains("%") ? nil : current
    }

    static func percentDecode(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
