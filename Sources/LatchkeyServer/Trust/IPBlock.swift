import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address block (`10.0.0.0/8`, `::1`, `2001:db8::/32`), for `LATCHKEY_TRUSTED_PROXIES`.
struct IPBlock: Sendable, Equatable, CustomStringConvertible {
    /// The network's bytes (4 or 16).
    let network: [UInt8]
    /// The prefix length in bits.
    let prefixLength: Int

    var description: String { "\(IPBlock.format(network))/\(prefixLength)" }

    /// Parses `address` or `address/prefix`; nil when it is neither.
    init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let bytes = IPBlock.parse(String(parts[0])) else { return nil }
        let bits = bytes.count * 8
        var length = bits
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...bits).contains(value), parts[1].allSatisfy(\.isASCII) else { return nil }
            length = value
        }
        network = IPBlock.masked(bytes, length)
        prefixLength = length
    }

    /// Whether the address `bytes` (4 or 16 of them) lies in this block. An IPv4-mapped IPv6 address
    /// (`::ffff:10.0.0.1`) is compared as the IPv4 address it carries.
    func contains(_ bytes: [UInt8]) -> Bool {
        let address = IPBlock.unmapped(bytes)
        guard address.count == network.count else { return false }
        return IPBlock.masked(address, prefixLength) == network
    }

    /// The bytes of a textual IPv4 or IPv6 address, or nil.
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// The IPv4 address inside an IPv4-mapped IPv6 address; other addresses as they are.
    static func unmapped(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return bytes }
        return Array(bytes[12..<16])
    }

    static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let keep = max(0, min(8, length - index * 8))
            return keep == 8 ? byte : byte & ~(UInt8(0xFF) >> keep)
        }
    }

    static func format(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) } != nil
        guard ok else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
