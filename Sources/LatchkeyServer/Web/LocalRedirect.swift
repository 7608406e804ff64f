/// Where sign-in may send a browser afterwards (`next=`): only a path on this site.
///
/// Browsers parse URLs by the WHATWG URL standard, which removes tabs and newlines anywhere, strips leading
/// control characters and spaces, and treats `\` like `/`. So `/\t/evil.example` becomes `//evil.example`, another
/// site. Rather than predict each rewrite, only printable ASCII without `\` is accepted, and it must be a path that
/// starts with exactly one `/`: such a string parses to the same origin in every browser.
enum LocalRedirect {
    /// Where to go when `next` is absent or not acceptable.
    static let fallback = "/credentials"

    /// `next` when it is a same-origin path, else `fallback`.
    static func target(_ next: String?) -> String {
        guard let next, isLocalPath(next) else { return fallback }
        return next
    }

    /// Whether `value` is a same-origin path by the rules above.
    static func isLocalPath(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count >= 1, bytes.count <= 2048, bytes[0] == UInt8(ascii: "/") else { return false }
        if bytes.count > 1, bytes[1] == UInt8(ascii: "/") { return false }
        return bytes.allSatisfy { $0 >= 0x21 && $0 <= 0x7E && $0 != UInt8(ascii: "\\") }
    }
}
