import CryptoExtras
import Foundation
import JWTKit
import Testing
@testable import LatchkeyServer

/// The id_token checks of OpenID Connect sign-in, with keys made in the test: each attack is refused for its reason.
@Suite struct IDTokenVerifierTests {
    static let issuer = "https://idp.example/realms/acme"
    static let clientID = "latchkey"
    static let nonce = "n-0S6_WzA2Mj-derived-from-the-cookie"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    let verifier = IDTokenVerifier(issuer: Self.issuer, clientID: Self.clientID)

    /// The claims of a token the tests sign; every field can be changed or left out.
    struct Claims: JWTPayload {
        var iss: String? = IDTokenVerifierTests.issuer
        var sub: String? = "248289761001"
        var aud: [String]? = [IDTokenVerifierTests.clientID]
        var azp: String?
        var exp: Double? = IDTokenVerifierTests.now.timeIntervalSince1970 + 300
        var iat: Double? = IDTokenVerifierTests.now.timeIntervalSince1970 - 5
        var nonce: String? = IDTokenVerifierTests.nonce
        var email: String? = "ada@acme.test"
        var email_verified: Bool? = true
        var groups: [String]? = ["staff"]
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// A provider's signing key and the JWKS it publishes.
    struct Provider {
        let keys: JWTKeyCollection
        let jwks: Data

        static func rsa(kid: String = "k1") async throws -> Provider {
            let backing = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let keys = JWTKeyCollection()
            let key = try JWTKit.Insecure.RSA.PrivateKey(backing: backing)
            await keys.add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
            let (n, e) = try key.publicKey.getKeyPrimitives()
            let jwks = #"{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"\#(kid)","n":"\#(Base64URL.encode(n))","e":"\#(Base64URL.encode(e))"}]}"#
            return Provider(keys: keys, jwks: Data(jwks.utf8))
        }

        static func ec(kid: String = "e1") async throws -> Provider {
            let key = ES256PrivateKey()
            let keys = JWTKeyCollection()
            await keys.add(ecdsa: key, kid: JWKIdentifier(string: kid))
            let point = try #require(key.publicKey.parameters)
            let jwks = #"{"keys":[{"kty":"EC","crv":"P-256","use":"sig","kid":"\#(kid)","x":"\#(point.x)","y":"\#(point.y)"}]}"#
            return Provider(keys: keys, jwks: Data(jwks.utf8))
        }

        func sign(_ claims: Claims = Claims(), kid: String = "k1") async throws -> String {
            try await keys.sign(claims, kid: JWKIdentifier(string: kid))
        }
    }

    func rejection(_ token: String, _ provider: Provider, nonce: String = Self.nonce, now: Date = Self.now) async -> IDTokenRejection? {
        do {
            _ = try await verifier.verify(token, jwks: provider.jwks, nonce: nonce, now: now)
            return nil
        } catch {
            return error
        }
    }

    @Test func aTokenSignedByThePublishedKeyForThisClientIsAccepted() async throws {
        let provider = try await Provider.rsa()
        let token = try await verifier.verify(try await provider.sign(), jwks: provider.jwks, nonce: Self.nonce, now: Self.now)
        #expect(token.subject == "248289761001")
        #expect(token.email == "ada@acme.test")
        #expect(token.emailVerified == true)
        #expect(token.claims["groups"] == .array([.string("staff")]))
    }

    @Test func anES256TokenIsAccepted() async throws {
        let provider = try await Provider.ec()
        #expect(await rejection(try await provider.sign(kid: "e1"), provider) == nil)
    }

    @Test func aSignatureByAnotherKeyUnderThePublishedKidIsRefused() async throws {
        let provider = try await Provider.rsa(), forger = try await Provider.rsa()
        #expect(await rejection(try await forger.sign(), provider) == .signature)
    }

    @Test func aPayloadChangedAfterSigningIsRefused() async throws {
        let provider = try await Provider.rsa()
        let parts = try await provider.sign().split(separator: ".").map(String.init)
        var claims = Claims()
        claims.email = "root@acme.test"
        let payload = Base64URL.encode(try JSONEncoder().encode(claims))
        #expect(await rejection([parts[0], payload, parts[2]].joined(separator: "."), provider) == .signature)
    }

    @Test func anExpiredTokenIsRefusedBeyondTheLeewayOnly() async throws {
        let provider = try await Provider.rsa()
        var claims = Claims()
        claims.exp = Self.now.timeIntervalSince1970 - 120
        #expect(await rejection(try await provider.sign(claims), provider) == .expired)
        claims.exp = Self.now.timeIntervalSince1970 - 30
        #expect(await rejection(try await provider.sign(claims), provider) == nil)
        claims.exp = nil
        #expect(await rejection(try await provider.sign(claims), provider) == .expired)
    }

    @Test func aTokenIssuedInTheFutureIsRefused() async throws {
        let provider = try await Provider.rsa()
        var claims = Claims()
        claims.iat = Self.now.timeIntervalSince1970 + 600
        #expect(await rejection(try await provider.sign(claims), provider) == .notYetValid)
    }

    @Test func aTokenForAnotherClientIsRefused() async throws {
        let provider = try await Provider.rsa()
        var claims = Claims()
        claims.aud = ["another-client"]
        #expect(await rejection(try await provider.sign(claims), provider) == .audience)
        // Several audiences are accepted only when the token says it was issued to this client.
        claims.aud = [Self.clientID, "another-client"]
        #expect(await rejection(try await provider.sign(claims), provider) == .audience)
        claims.azp = "another-client"
        #expect(await rejection(try await provider.sign(claims), provider) == .audience)
        claims.azp = Self.clientID
        #expect(await rejection(try await provider.sign(claims), provider) == nil)
    }

    @Test(arguments: ["https://evil.example/realms/acme", "https://idp.example/realms/acme/", "https://IDP.example/realms/acme"])
    func aTokenFromAnotherIssuerIsRefused(_ issuer: String) async throws {
        let provider = try await Provider.rsa()
        var claims = Claims()
        claims.iss = issuer
        #expect(await rejection(try await provider.sign(claims), provider) == .issuer)
    }

    @Test func aTokenWithAnotherOrNoNonceIsRefused() async throws {
        let provider = try await Provider.rsa()
        #expect(await rejection(try await provider.sign(), provider, nonce: "the-nonce-this-browser-sent") == .nonce)
        var claims = Claims()
        claims.nonce = nil
        #expect(await rejection(try await provider.sign(claims), provider) == .nonce)
    }

    @Test func anUnsignedTokenIsRefusedWhateverItClaims() async throws {
        let provider = try await Provider.rsa()
        let payload = Base64URL.encode(try JSONEncoder().encode(Claims()))
        for (header, alg) in [(#"{"alg":"none"}"#, "none"), (#"{"alg":"none","kid":"k1"}"#, "none"), (#"{"alg":"None","typ":"JWT"}"#, "None")] {
            let head = Base64URL.encode(Data(header.utf8))
            #expect(await rejection(head + "." + payload + ".", provider) == .malformed)
            #expect(await rejection(head + "." + payload + ".AAAA", provider) == .algorithm(alg))
        }
    }

    @Test func anHMACTokenIsRefusedEvenWhenSignedWithTheClientSecret() async throws {
        let provider = try await Provider.rsa()
        let hmac = JWTKeyCollection()
        await hmac.add(hmac: HMACKey(from: "the-client-secret-of-at-least-32-bytes"), digestAlgorithm: .sha256, kid: JWKIdentifier(string: "k1"))
        #expect(await rejection(try await hmac.sign(Claims(), kid: JWKIdentifier(string: "k1")), provider) == .algorithm("HS256"))
    }

    @Test func aKidThatIsNotPublishedIsRefused() async throws {
        let provider = try await Provider.rsa(kid: "k1")
        let other = try await Provider.rsa(kid: "k2")
        #expect(await rejection(try await other.sign(kid: "k2"), provider) == .unknownKey)
    }

    @Test func aTokenWithoutSubjectIsRefused() async throws {
        let provider = try await Provider.rsa()
        var claims = Claims()
        claims.sub = nil
        #expect(await rejection(try await provider.sign(claims), provider) == .subject)
    }

    @Test(arguments: ["", "a.b", "a.b.c.d", "!!.@@.##", "e30.e30.e30"])
    func malformedTokensAreRefused(_ token: String) async throws {
        let provider = try await Provider.rsa()
        #expect(await rejection(token, provider) != nil)
    }

    @Test func aKeySetWithoutUsableKeysIsRefused() async throws {
        let provider = try await Provider.rsa()
        let token = try await provider.sign()
        for jwks in [#"{"keys":[]}"#, #"{"keys":[{"kty":"oct","kid":"k1","k":"c2VjcmV0"}]}"#, "not json"] {
            await #expect(throws: IDTokenRejection.keys) { _ = try await verifier.verify(token, jwks: Data(jwks.utf8), nonce: Self.nonce, now: Self.now) }
        }
    }
}
