import Hummingbird

/// Reads `Authorization: Bearer …`.
enum BearerToken {
    static func from(_ request: Request) -> String? { from(request.headers) }

    static func from(_ headers: HTTPFields) -> String? {
        guard let value = headers[.authorization] else { return nil }
        // "Bearer" (any case), spaces, the token; no Foundation on this per-call path.
        let scheme = value.utf8.prefix { $0 != UInt8(ascii: " ") }
        guard scheme.count == 6, scheme.elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 }) else { return nil }
        let token = value.utf8.dropFirst(6).drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        var end = token.endIndex
        while end > token.startIndex, [UInt8(ascii: " "), UInt8(ascii: "\t")].contains(token[token.index(before: end)]) { end = token.index(before: end) }
        guard end > token.startIndex else { return nil }
        return String(Substring(token[..<end]))
    }
}
