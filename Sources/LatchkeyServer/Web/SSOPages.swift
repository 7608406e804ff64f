import Foundation
import Hummingbird
import LatchkeyCore

/// `/oidc/start` and `/oidc/callback`: signing in to the dashboard through the OpenID Connect provider.
struct SSOPages {
    let sso: OIDCSignIn
    /// Whose forwarded address is believed, for the sign-in limits.
    let trustedProxies: TrustedProxies
    let renderer: PageRenderer

    /// Where the provider sends the browser back; `{public_url}` + this is the redirect URI to register.
    static let callbackPath = "/oidc/callback"

    var secure: Bool { renderer.secureCookies }

    func register(on router: Router<AppRequestContext>) {
        // A link, not a form: the page's form-action policy keeps forms on this origin, and starting a sign-in changes
        // nothing here, so a forged start only shows the person their own provider's page.
        router.get("oidc/start") { request, context in
            do {
                let (url, binding) = try await sso.begin(next: request.uri.queryParameters["next"].map(String.init))
                var response = Response(status: .found, headers: [.location: url, .cacheControl: "no-store"])
                response.setCookie(BrowserCookies.cookie(SSOBrowserBinding.cookieName(secure: secure), binding.cookieValue, maxAge: SSOBrowserBinding.lifetime, secure: secure))
                return response
            } catch {
                return failurePage(error, context: context)
            }
        }
        router.get("oidc/callback") { request, context in
            var query: [String: String] = [:]
            for (key, value) in request.uri.queryParameters where query[String(key)] == nil { query[String(key)] = String(value) }
            let binding = SSOBrowserBinding.read(request.cookies[SSOBrowserBinding.cookieName(secure: secure)]?.value)
            let client = trustedProxies.client(of: request, context: context)
            var response: Response
            do {
                let (cookie, _, next) = try await sso.finish(query: query, binding: binding, client: client)
                response = PageRenderer.redirect(next)
                response.setCookie(BrowserCookies.cookie(BrowserCookies.session, cookie, maxAge: Int(SessionService.lifetime), secure: secure))
            } catch {
                response = failurePage(error, context: context)
            }
            // Single use: whatever happened, this browser's binding is spent.
            response.setCookie(BrowserCookies.cleared(SSOBrowserBinding.cookieName(secure: secure), secure: secure))
            return response
        }
    }

    func failurePage(_ error: any Error, context: AppRequestContext) -> Response {
        // Only SSOFailure is thrown by the sign-in; anything else is a sign-in that could not be completed.
        let failure = error as? SSOFailure ?? SSOFailure(.internalServerError, "internal", "The sign-in could not be completed.")
        return renderer.message(heading: "Sign-in failed", message: failure.message, success: false, status: failure.status, context: context, link: ("/login", "Back to sign-in"))
    }
}
