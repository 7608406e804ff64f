/// The claims of an id_token whose signature, issuer, audience, lifetime and nonce were checked.
struct VerifiedIDToken: Sendable {
    /// `sub`: the user's stable id at the provider.
    var subject: String
    /// `email`, when the provider sent one.
    var email: String?
    /// `email_verified`, when the provider sent it.
    var emailVerified: Bool?
    /// Every claim, for the admin claim.
    var claims: [String: ClaimValue]
}
