/// The members of a JSON object as byte ranges of its text, found without parsing values: a relayed JSON-RPC
/// message's `id`, `method` and `result` are located and passed on as they came, with no allocation per value.
/// Only well-formed text is scanned as such; anything else gives nil and the caller falls back to a full parser.
struct JSONMembers {
    let bytes: [UInt8]
    /// Each member's key (its raw text between the quotes) and value range.
    private(set) var members: [(key: ArraySlice<UInt8>, value: Range<Int>)] = []

    /// Scans the top-level object of `bytes`; nil when it is not one.
    init?(_ bytes: [UInt8]) {
        self.bytes = bytes
        var index = Self.skipSpace(bytes, 0)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
        index = Self.skipSpace(bytes, index + 1)
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { return }
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "\""), let keyEnd = Self.stringEnd(bytes, index) else { return nil }
            let key = bytes[(index + 1)..<(keyEnd - 1)]
            index = Self.skipSpace(bytes, keyEnd)
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
            let start = Self.skipSpace(bytes, index + 1)
            guard let end = Self.valueEnd(bytes, start) else { return nil }
            members.append((key, start..<end))
            index = Self.skipSpace(bytes, end)
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "}") { return }
            guard bytes[index] == UInt8(ascii: ",") else { return nil }
            index = Self.skipSpace(bytes, index + 1)
        }
        return nil
    }

    /// The raw value of member `key` (the first with that exact, unescaped key).
    subscript(key: String) -> ArraySlice<UInt8>? {
        members.first { $0.key.elementsEqual(key.utf8) }.map { bytes[$0.value] }
    }

    /// The value of `key` when it is a string without escapes (method names, tool names, cursors).
    func plainString(_ key: String) -> String? {
        guard let raw = self[key], raw.count >= 2, raw.first == UInt8(ascii: "\""), !raw.contains(UInt8(ascii: "\\")) else { return nil }
        return String(decoding: raw.dropFirst().dropLast(), as: UTF8.self)
    }

    static func skipSpace(_ bytes: [UInt8], _ start: Int) -> Int {
        var index = start
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        return index
    }

    /// The index after the closing quote of the string opening at `start`.
    static func stringEnd(_ bytes: [UInt8], _ start: Int) -> Int? {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            case 0..<0x20: return nil
            default: index += 1
            }
        }
        return nil
    }

    /// The index after the value starting at `start`: a string, an object or array (brackets matched, strings
    /// skipped), or a literal or number (up to the next delimiter).
    static func valueEnd(_ bytes: [UInt8], _ start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        switch bytes[start] {
        case UInt8(ascii: "\""): return stringEnd(bytes, start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0, index = start
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    guard let end = stringEnd(bytes, index) else { return nil }
                    index = end
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default: break
                }
                index += 1
            }
            return nil
        default:
            var index = start
            while index < bytes.count, !",}] \t\r\n".utf8.contains(bytes[index]) { index += 1 }
            return index > start ? index : nil
        }
    }
}
