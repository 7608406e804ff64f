/// The parameters of a `Bearer` challenge in a `WWW-Authenticate` header (RFC 6750 §3, RFC 9728 §5.1):
/// `resource_metadata`, `error`, `scope`, … Other schemes in the same header are skipped.
public struct BearerChallenge: Sendable, Equatable {
    /// Parameter names (lowercased) and their unquoted values.
    public var parameters: [String: String]

    /// The resource metadata URL (RFC 9728), if named.
    public var resourceMetadata: String? { parameters["resource_metadata"] }
    /// The error code (`invalid_token`, `insufficient_scope`, …), if any.
    public var error: String? { parameters["error"] }
    /// The scopes the request needs (space-separated in the header).
    public var scopes: [String] { parameters["scope"].map { $0.split(separator: " ").map(String.init) } ?? [] }

    /// Parses the first `Bearer` challenge of `header`; nil when there is none. At most 8 KiB are read.
    public static func parse(_ header: String?) -> BearerChallenge? {
        guard let header, header.utf8.count <= 8192 else { return nil }
        var scanner = Scanner(Array(header.utf8))
        while !scanner.atEnd {
            scanner.skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: ",") }
            let scheme = scanner.token()
            guard !scheme.isEmpty else { return nil }
            let isBearer = scheme.lowercased() == "bearer"
            var parameters: [String: String] = [:]
            // auth-params until the next scheme: `name = value` pairs separated by commas.
            while !scanner.atEnd {
                scanner.skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: ",") }
                let mark = scanner.index
                let name = scanner.token()
                scanner.skip { $0 == UInt8(ascii: " ") }
                guard !name.isEmpty, scanner.peek == UInt8(ascii: "=") else {
                    scanner.index = mark
                    break
                }
                scanner.index += 1
                scanner.skip { $0 == UInt8(ascii: " ") }
                let value = scanner.peek == UInt8(ascii: "\"") ? scanner.quoted() : scanner.token()
                if parameters[name.lowercased()] == nil { parameters[name.lowercased()] = value }
            }
            if isBearer { return BearerChallenge(parameters: parameters) }
        }
        return nil
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[index] }

        mutating func skip(while test: (UInt8) -> Bool) {
            while let byte = peek, test(byte) { index += 1 }
        }

        /// An RFC 9110 token (also token68's extra characters, so a bare token68 scans as one).
        mutating func token() -> String {
            let start = index
            skip { byte in
                byte > 0x20 && byte < 0x7f && !"\"(),/:;<=>?@[\\]{}".utf8.contains(byte) || byte == UInt8(ascii: "/")
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func quoted() -> String {
            index += 1
            var out: [UInt8] = []
            while let byte = peek {
                index += 1
                if byte == UInt8(ascii: "\"") { break }
                if byte == UInt8(ascii: "\\"), let next = peek { out.append(next); index += 1 } else { out.append(byte) }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
