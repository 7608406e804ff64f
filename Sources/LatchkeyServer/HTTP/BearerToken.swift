import Hummingbird
import LatchkeyCore

/// Reads `Authorization: Bearer …`.
enum BearerToken {
    static func from(_ request: Request) -> String? { from(request.headers) }

    static func from(_ headers: HTTPFields) -> String? { from(authorization: headers[.authorization]) }

    /// The token of an `Authorization` value (several fields joined with ", ", as HTTP Types joins them).
    static func from(authorization value: String?) -> String? {
        guard let value else { return nil }
        // "Bearer" (any case), spaces, the token; no Foundation on this per-call path.
        let scheme = value.utf8.prefix { $0 != UInt8(ascii: " ") }
        guard scheme.count == 6, scheme.elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 }) else { return nil }
        let token = HeaderRules.trimmingWhitespace(Substring(value).utf8.dropFirst(6))
        guard !token.isEmpty else { return nil }
        return String(Substring(token))
    }
}
