import Crypto
import Foundation
import Hummingbird
import LatchkeyCore

/// Sends a browser on to a provider's consent page, bound to the flow by a cookie that only this browser holds: the
/// callback is accepted only with it, so a consent URL passed to anyone else finishes nothing.
enum ConsentRedirect {
    /// Starts the flow for `user`; returns the provider URL and the binding cookie to set with it.
    static func begin(_ flow: OAuthFlowService, user: User, _ consent: ConsentRequest, secure: Bool) async throws -> (url: String, cookie: Cookie) {
        let binding = PKCE.randomToken()
        let started = try await flow.start(user: user, consent, browserBinding: digest(binding))
        return (started.url, BrowserCookies.cookie(BrowserCookies.oauthBinding, binding, maxAge: Int(OAuthFlowService.stateLifetime), secure: secure))
    }

    /// Starts the flow and answers with a redirect to the provider (for links: Reconnect, start links).
    static func start(_ flow: OAuthFlowService, user: User, _ consent: ConsentRequest, secure: Bool) async throws -> Response {
        let (url, cookie) = try await begin(flow, user: user, consent, secure: secure)
        var response = Response(status: .found, headers: [.location: url, .cacheControl: "no-store"])
        response.setCookie(cookie)
        return response
    }

    /// The stored form of a binding cookie: its SHA-256.
    static func digest(_ value: String) -> Data { Data(SHA256.hash(data: Data(value.utf8))) }
}
