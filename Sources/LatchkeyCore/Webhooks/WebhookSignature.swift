import Crypto
import Foundation

/// Standard Webhooks signing: secrets are `whsec_` + base64 of 32 random bytes, and a message is signed as
/// `v1,` + base64(HMAC-SHA256(secret bytes, "{id}.{timestamp}.{body}")).
public enum WebhookSignature {
    /// The prefix of a signing secret.
    public static let secretPrefix = "whsec_"

    /// A new signing secret.
    public static func makeSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return secretPrefix + Data(bytes).base64EncodedString()
    }

    /// The `webhook-signature` header value for a message, or nil when `secret` is not a `whsec_` secret.
    public static func sign(id: String, timestamp: Int, body: String, secret: String) -> String? {
        guard secret.hasPrefix(secretPrefix), let key = Data(base64Encoded: String(secret.dropFirst(secretPrefix.count))), !key.isEmpty else { return nil }
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(id).\(timestamp).\(body)".utf8), using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }
}
