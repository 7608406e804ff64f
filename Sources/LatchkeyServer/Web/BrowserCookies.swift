import Foundation
import Hummingbird

/// The dashboard's cookies: the session, the pre-sign-in CSRF token, and the OAuth browser binding.
enum BrowserCookies {
    static let session = "lk_session"
    static let anonymousCSRF = "lk_csrf"
    static let oauthBinding = "lk_oauth"

    static func cookie(_ name: String, _ value: String, maxAge: Int, secure: Bool) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    static func cleared(_ name: String, secure: Bool) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }
}
