/// Why an id_token was refused. The messages name the check, never the token or a claim's secret value.
enum IDTokenRejection: Error, Sendable, Equatable {
    /// Not three base64url parts of JSON.
    case malformed
    /// The header names an algorithm Latchkey does not accept (`none`, HS*, anything unknown).
    case algorithm(String)
    /// The provider's key set could not be read.
    case keys
    /// The header names a key the provider's key set does not hold.
    case unknownKey
    /// The signature does not verify with the provider's key.
    case signature
    /// `iss` is not the configured issuer.
    case issuer
    /// `aud` does not contain the client id, or `azp` names another client.
    case audience
    /// `exp` has passed (beyond the leeway), or is missing.
    case expired
    /// `iat` is missing or in the future, or `nbf` has not come yet.
    case notYetValid
    /// `nonce` is not the one this browser's sign-in sent.
    case nonce
    /// `sub` is missing.
    case subject

    /// A short, stable code for the audit log.
    var code: String {
        switch self {
        case .malformed: "malformed"
        case .algorithm: "algorithm"
        case .keys: "keys"
        case .unknownKey: "unknown_key"
        case .signature: "signature"
        case .issuer: "issuer"
        case .audience: "audience"
        case .expired: "expired"
        case .notYetValid: "not_yet_valid"
        case .nonce: "nonce"
        case .subject: "subject"
        }
    }

    /// What the sign-in page says.
    var message: String {
        switch self {
        case .malformed: "the identity provider's id_token is not a well-formed JWT"
        case .algorithm(let name): "the id_token is signed with \(Self.printable(name)), which Latchkey does not accept (RS256, RS384, RS512, PS256, ES256 or ES384)"
        case .keys: "the identity provider's signing keys (JWKS) could not be read"
        case .unknownKey: "the id_token names a signing key that the identity provider does not publish"
        case .signature: "the id_token's signature does not verify with the identity provider's keys"
        case .issuer: "the id_token was issued by another issuer than the one configured"
        case .audience: "the id_token was issued for another client"
        case .expired: "the id_token has expired"
        case .notYetValid: "the id_token is not valid yet (check the clocks)"
        case .nonce: "the id_token does not belong to this sign-in (its nonce differs)"
        case .subject: "the id_token names no subject"
        }
    }

    /// An algorithm name as given by a stranger, cut short and without anything but plain characters.
    static func printable(_ name: String) -> String {
        String(name.prefix(16).filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
    }
}
