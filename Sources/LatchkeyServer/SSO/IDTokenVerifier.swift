import Foundation
import JWTKit
import LatchkeyCore

/// Checks an id_token (OpenID Connect Core §3.1.3.7): signed by one of the provider's published keys with an
/// asymmetric algorithm, issued by the configured issuer, for this client, not expired, and carrying the nonce that this
/// browser's sign-in sent.
///
/// Symmetric algorithms (HS256, …) are refused outright: they would make the client secret a signing key, so anyone
/// who learns it could mint identities. `none` is refused like any other unlisted algorithm.
struct IDTokenVerifier: Sendable {
    /// The configured issuer, compared exactly.
    let issuer: String
    /// This deployment's client id.
    let clientID: String
    /// Clock skew tolerated on `exp`, `iat` and `nbf`.
    var leeway: TimeInterval = 60

    /// The algorithms accepted in the header.
    static let algorithms: Set<String> = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]

    /// The verified claims of `token`, checked against the key set `jwks` (the JSON the provider publishes).
    func verify(_ token: String, jwks: Data, nonce: String, now: Date) async throws(IDTokenRejection) -> VerifiedIDToken {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[2].isEmpty,
              let headerData = Base64URL.decode(parts[0]), let payloadData = Base64URL.decode(parts[1]),
              let header = try? JSONDecoder().decode([String: ClaimValue].self, from: headerData)
        else { throw .malformed }
        guard let alg = header["alg"]?.string else { throw .malformed }
        guard Self.algorithms.contains(alg) else { throw .algorithm(alg) }
        // Extensions this verifier does not understand must not be ignored (RFC 7515 §4.1.11).
        guard header["crit"] == nil else { throw .malformed }
        let kid = header["kid"]?.string

        let (keys, kids) = try await Self.keyCollection(jwks)
        // jwt-kit falls back to its default key for an id it does not hold; a named key must be one that is published.
        if let kid, !kids.contains(kid) { throw .unknownKey }
        do {
            _ = try await keys.verify(token, as: SignedPayload.self, iteratingKeys: kid == nil)
        } catch {
            throw .signature
        }

        guard let claims = try? JSONDecoder().decode([String: ClaimValue].self, from: payloadData) else { throw .malformed }
        try check(claims, nonce: nonce, now: now)
        guard let subject = claims["sub"]?.string, !subject.isEmpty else { throw .subject }
        return VerifiedIDToken(subject: subject, email: claims["email"]?.string, emailVerified: claims["email_verified"].flatMap(Self.flag), claims: claims)
    }

    /// The claim checks after the signature.
    func check(_ claims: [String: ClaimValue], nonce: String, now: Date) throws(IDTokenRejection) {
        guard claims["iss"]?.string == issuer else { throw .issuer }
        let audiences: [String]
        switch claims["aud"] {
        case .string(let one)?: audiences = [one]
        case .array(let list)?: audiences = list.compactMap(\.string)
        default: throw .audience
        }
        guard audiences.contains(clientID) else { throw .audience }
        // Several audiences: the token must say it was issued to us (`azp`); a present `azp` must be us in any case.
        if audiences.count > 1 || claims["azp"] != nil {
            guard claims["azp"]?.string == clientID else { throw .audience }
        }
        let seconds = now.timeIntervalSince1970
        guard let exp = claims["exp"]?.number else { throw .expired }
        guard seconds <= exp + leeway else { throw .expired }
        guard let iat = claims["iat"]?.number, iat <= seconds + leeway else { throw .notYetValid }
        if let nbf = claims["nbf"] {
            guard let value = nbf.number, value <= seconds + leeway else { throw .notYetValid }
        }
        guard let sent = claims["nonce"]?.string, SecretToken.constantTimeEquals(Data(sent.utf8), Data(nonce.utf8)) else { throw .nonce }
    }

    /// `email_verified` as sent: a boolean, or (some providers) the string "true"/"false".
    static func flag(_ value: ClaimValue) -> Bool? {
        switch value {
        case .bool(let flag): flag
        case .string("true"): true
        case .string("false"): false
        default: nil
        }
    }

    /// The provider's signing keys: RSA and EC keys not marked for encryption; others are skipped rather than fatal,
    /// so one key of a kind Latchkey does not use does not block sign-in.
    static func keyCollection(_ jwks: Data) async throws(IDTokenRejection) -> (JWTKeyCollection, Set<String>) {
        guard let document = try? JSONDecoder().decode(KeySetDocument.self, from: jwks) else { throw .keys }
        let keys = JWTKeyCollection()
        var kids: Set<String> = []
        for raw in document.keys {
            guard raw.use != "enc", let jwk = try? JSONDecoder().decode(JWK.self, from: raw.json), let kid = jwk.keyIdentifier,
                  jwk.keyType == .rsa || jwk.keyType == .ecdsa else { continue }
            if (try? await keys.add(jwk: jwk)) != nil { kids.insert(kid.string) }
        }
        guard !kids.isEmpty else { throw .keys }
        return (keys, kids)
    }
}

/// What jwt-kit decodes after checking the signature: nothing; the claims are read and checked by `IDTokenVerifier`
/// from the same bytes, with the clock and leeway it is given.
private struct SignedPayload: JWTPayload {
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// A JWKS document, each key kept as its own JSON so that one unreadable key does not spoil the others.
private struct KeySetDocument: Decodable {
    struct RawKey: Decodable {
        var json: Data
        var use: String?

        init(from decoder: any Decoder) throws {
            let value = try ClaimValue(from: decoder)
            guard case .object(let members) = value else { throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a key is not an object")) }
            use = members["use"]?.string
            json = try JSONEncoder().encode(members.mapValues(EncodableClaim.init))
        }
    }
    var keys: [RawKey]
}

/// Re-encodes a decoded claim value as it came.
private struct EncodableClaim: Encodable {
    let value: ClaimValue
    init(_ value: ClaimValue) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch value {
        case .string(let text): try container.encode(text)
        case .bool(let flag): try container.encode(flag)
        case .number(let number): try container.encode(number)
        case .array(let list): try container.encode(list.map(EncodableClaim.init))
        case .object(let members): try container.encode(members.mapValues(EncodableClaim.init))
        case .null: try container.encodeNil()
        }
    }
}
