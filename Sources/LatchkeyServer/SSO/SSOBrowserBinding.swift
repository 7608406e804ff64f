import Foundation
import LatchkeyCore

/// Binds a sign-in to the browser that started it. The browser keeps one random secret in a short-lived, HttpOnly
/// cookie; `state`, `nonce` and the PKCE verifier are derived from it by hashing with distinct labels. So nothing is
/// stored on the server (any server behind a load balancer can finish the sign-in), the values sent to the provider
/// reveal nothing about the secret, and a callback or id_token is accepted only in the browser that holds it: a
/// sign-in link or code passed to another browser finishes nothing.
struct SSOBrowserBinding: Sendable, Equatable {
    /// The secret the cookie holds (256 random bits, base64url).
    let secret: String
    /// Where to go after signing in (a same-origin path, checked again when read back).
    let next: String

    /// The cookie's name: `__Host-` over https, so no sibling subdomain or plain-http page can plant one.
    static func cookieName(secure: Bool) -> String { secure ? "__Host-lk_oidc" : "lk_oidc" }
    /// How long a sign-in may take at the provider.
    static let lifetime = 600

    /// A new binding.
    static func make(next: String) -> SSOBrowserBinding {
        SSOBrowserBinding(secret: PKCE.randomToken(), next: LocalRedirect.target(next))
    }

    /// The binding a cookie carries, or nil when it is absent or not one of ours.
    static func read(_ cookie: String?) -> SSOBrowserBinding? {
        guard let cookie else { return nil }
        let parts = cookie.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 43, Base64URL.decode(parts[0]) != nil,
              let next = Base64URL.decode(parts[1]).flatMap({ String(data: $0, encoding: .utf8) }) else { return nil }
        return SSOBrowserBinding(secret: String(parts[0]), next: LocalRedirect.target(next))
    }

    /// The cookie's value.
    var cookieValue: String { secret + "." + Base64URL.encode(Data(next.utf8)) }

    /// The `state` sent to the provider and expected back.
    var state: String { derive("state") }
    /// The `nonce` sent to the provider and expected in the id_token.
    var nonce: String { derive("nonce") }
    /// The PKCE code verifier (43 characters of base64url); only its S256 challenge leaves before the exchange.
    var codeVerifier: String { derive("pkce") }

    private func derive(_ label: String) -> String { PKCE.challenge(for: "latchkey-oidc-\(label):" + secret) }
}
