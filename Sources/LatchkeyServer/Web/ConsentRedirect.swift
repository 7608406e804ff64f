import Crypto
import Foundation
import Hummingbird
import LatchkeyCore

/// Sends a browser to a provider's consent page, bound to the flow by a cookie that only this browser holds: the
/// callback is accepted only with it, so a consent URL passed to anyone else finishes nothing.
enum ConsentRedirect {
    /// Starts the flow for `user` and answers the redirect that carries the binding cookie.
    static func start(_ flow: OAuthFlowService, user: User, _ consent: ConsentRequest, secure: Bool) async throws -> Response {
        let binding = PKCE.randomToken()
        let started = try await flow.start(user: user, consent, browserBinding: digest(binding))
        var response = Response(status: .found, headers: [.location: started.url, .cacheControl: "no-store"])
        response.setCookie(BrowserCookies.cookie(BrowserCookies.oauthBinding, binding, maxAge: Int(OAuthFlowService.stateLifetime), secure: secure))
        return response
    }

    /// The stored form of a binding cookie: its SHA-256.
    static func digest(_ value: String) -> Data { Data(SHA256.hash(data: Data(value.utf8))) }
}
