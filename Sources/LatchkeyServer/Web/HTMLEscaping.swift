import Mustache

/// HTML escaping byte by byte, for every value a dashboard template renders.
///
/// swift-mustache's own HTML escaping compares Swift `Character`s, which are grapheme clusters: `"` or `>` followed
/// by a combining mark (U+0301), or `<` preceded by a prepended concatenation mark (U+0600), is one `Character` that
/// matches no rule, so the quote or bracket reaches the page raw and a value can leave its attribute or open a tag
/// (the class of CVE-2026-27120 in Leaf). Working on UTF-8 bytes, no mark can hide one of the five.
struct HTMLEscaping: MustacheContentType {
    /// The name templates are rendered under (`WebAssets` puts the pragma at the top of every template).
    static let name = "LATCHKEY_HTML"

    func escapeText(_ text: String) -> String { Self.escape(text) }

    /// `text` with `&`, `<`, `>`, `"`, `'` and `` ` `` replaced by character references.
    static func escape(_ text: String) -> String {
        let utf8 = text.utf8
        guard utf8.contains(where: isSpecial) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 16)
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "&"): out += Array("&amp;".utf8)
            case UInt8(ascii: "<"): out += Array("&lt;".utf8)
            case UInt8(ascii: ">"): out += Array("&gt;".utf8)
            case UInt8(ascii: "\""): out += Array("&quot;".utf8)
            case UInt8(ascii: "'"): out += Array("&#39;".utf8)
            case UInt8(ascii: "`"): out += Array("&#96;".utf8)
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func isSpecial(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "\"")
            || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "`")
    }
}
