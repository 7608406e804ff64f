import Crypto
import Foundation

/// The key that wraps the data keys. It never touches the database; it comes from the environment or a key file.
public struct MasterKey: Sendable {
    let key: SymmetricKey

    /// Parses base64 of exactly 32 bytes (surrounding whitespace ignored).
    public init(base64 text: String) throws(SealingError) {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
            throw SealingError.invalidMasterKey("a master key is base64 of exactly 32 bytes")
        }
        key = SymmetricKey(data: data)
    }

    /// A fresh random key, as base64.
    public static func generateBase64() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// A short, non-secret fingerprint that tells two keys apart in `keys status`.
    public var fingerprint: String {
        let digest = SHA256.hash(data: key.withUnsafeBytes { Data($0) } + Data("latchkey-fingerprint".utf8))
        return digest.prefix(6).map { String(format: "%02x", $0) }.joined()
    }
}
