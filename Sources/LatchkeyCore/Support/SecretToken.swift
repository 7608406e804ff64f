import Crypto
import Foundation

/// Bearer secrets (`lku_…` user API tokens, `lka_…` agent keys): generated here, stored only as hashes.
///
/// A token is `{kind}_{prefix}{rest}`: the 12-character prefix is a public lookup handle (shown in lists); the
/// SHA-256 of the whole token is what the store keeps. 256 random bits make a slow hash unnecessary.
public struct SecretToken: Sendable {
    /// The full token, shown once.
    public let value: String
    /// The public lookup handle.
    public let prefix: String
    /// The SHA-256 of the full token.
    public let hash: Data

    /// The two kinds of bearer secrets.
    public enum Kind: String, Sendable {
        case userAPIToken = "lku"
        case agentKey = "lka"
    }

    static let prefixLength = 12
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    /// Generates a new token of `kind`.
    public static func generate(_ kind: Kind) -> SecretToken {
        var generator = SystemRandomNumberGenerator()
        // 43 base62 characters carry more than 256 bits.
        let body = String((0..<43).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
        let value = "\(kind.rawValue)_\(body)"
        return SecretToken(value: value, prefix: String(body.prefix(prefixLength)), hash: hash(value))
    }

    /// Splits a presented token into its kind's lookup prefix and hash; nil when it is not shaped like one.
    public static func parse(_ presented: String, kind: Kind) -> (prefix: String, hash: Data)? {
        // Byte by byte, without building the expected head or counting characters: this runs on every proxied call.
        let bytes = presented.utf8
        let kindBytes = kind.rawValue.utf8
        guard bytes.count == kindBytes.count + 1 + 43, bytes.starts(with: kindBytes) else { return nil }
        let underscore = bytes.index(bytes.startIndex, offsetBy: kindBytes.count)
        guard bytes[underscore] == UInt8(ascii: "_") else { return nil }
        let body = bytes[bytes.index(after: underscore)...]
        // Only ASCII letters and digits: the UTF-8 indices below are character boundaries.
        guard body.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }) else { return nil }
        let prefixEnd = bytes.index(body.startIndex, offsetBy: prefixLength)
        return (String(presented[body.startIndex..<prefixEnd]), hash(presented))
    }

    /// SHA-256 of a token.
    public static func hash(_ value: String) -> Data {
        var value = value
        let digest = value.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
        return digest.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in Data(bytes) }
    }

    /// Compares two hashes in time that does not depend on where they differ.
    public static func constantTimeEquals(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { (x: UnsafeRawBufferPointer) in
            b.withUnsafeBytes { (y: UnsafeRawBufferPointer) in
                var difference: UInt8 = 0
                for index in 0..<x.count { difference |= x[index] ^ y[index] }
                return difference == 0
            }
        }
    }
}
