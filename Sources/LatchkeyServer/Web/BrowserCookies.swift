import Foundation
import Hummingbird

/// The dashboard's cookies: the session, the pre-sign-in CSRF token, and the OAuth browser binding.
enum BrowserCookies {
    static let session = "lk_session"
    static let anonymousCSRF = "lk_csrf"

    /// The pre-sign-in CSRF cookie's name: with the `__Host-` prefix over https, so that no sibling subdomain or
    /// plain-http page can plant a token of its own (the browser accepts such a cookie only Secure, for this host).
    static func anonymousCSRF(secure: Bool) -> String { secure ? "__Host-" + anonymousCSRF : anonymousCSRF }
    static let oauthBinding = "lk_oauth"

    static func cookie(_ name: String, _ value: String, maxAge: Int, secure: Bool) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    static func cleared(_ name: String, secure: Bool) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }
}
