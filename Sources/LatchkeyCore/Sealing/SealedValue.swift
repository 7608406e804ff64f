import Foundation

/// An encrypted value as stored: `0x01 | key version (4 bytes, big endian) | nonce (12) | ciphertext | tag (16)`.
public struct SealedValue: Sendable, Equatable {
    /// The stored bytes.
    public let bytes: Data

    static let formatVersion: UInt8 = 1
    static let headerLength = 1 + 4

    /// Wraps stored bytes; they are checked when opened.
    public init(bytes: Data) { self.bytes = bytes }

    /// The data-key version that sealed the value, or nil for bytes that are not a sealed value.
    public var keyVersion: Int? {
        guard bytes.count > Self.headerLength + 12 + 16, bytes.first == Self.formatVersion else { return nil }
        let start = bytes.startIndex + 1
        return bytes[start..<start + 4].reduce(0) { ($0 << 8) | Int($1) }
    }
}
