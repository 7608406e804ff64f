/// How an OAuth credential's access token is renewed (`auth.refresh` in a provider file).
public enum RefreshGrant: Sendable, Equatable {
    /// RFC 6749 §6: the refresh token is spent at the refresh endpoint (`refresh_url`, else `token_url`).
    case refreshToken
    /// The provider issues no refresh tokens; the current access token itself is exchanged for a fresh one
    /// (Meta: `grant_type=fb_exchange_token&fb_exchange_token=…`), at the refresh endpoint, before it expires.
    /// The exchange is also made once right after connect, turning a short-lived token into a long-lived one.
    case exchange(grantType: String, tokenParam: String)
}
