import Foundation
import Hummingbird
import LatchkeyCore

/// The OAuth flow: `POST /api/v1/oauth/{provider}/authorize`, `GET /oauth/callback`, and "refresh now".
struct OAuthController {
    let oauthFlow: OAuthFlowService
    let credentials: CredentialService
    /// "Refresh now".
    let refresher: Refresher
    let sessions: SessionService
    /// Who opened a start link, when there is no dashboard.
    let users: any UserStore
    let links: SetupLinks
    /// The largest request body read.
    let limit: Int

    struct AuthorizeDTO: Encodable {
        let authorizationURL: String, expiresAt: Date, redirectURI: String
        enum CodingKeys: String, CodingKey {
            case authorizationURL = "authorization_url", expiresAt = "expires_at", redirectURI = "redirect_uri"
        }
    }

    struct RefreshDTO: Encodable {
        let outcome: String, credential: CredentialDTO
    }

    let renderer: PageRenderer?

    /// The callback page: the dashboard's look when templates are loaded, a minimal page otherwise.
    func callbackPage(_ status: HTTPResponse.Status, _ heading: String, _ message: String, _ success: Bool, _ context: AppRequestContext) -> Response {
        if let renderer { return renderer.message(heading: heading, message: message, success: success, status: status, context: context) }
        return CallbackPage.response(status, title: heading, message: message, success: success)
    }

    func register(api: RouterGroup<AppRequestContext>, router: Router<AppRequestContext>) {
        let oauthFlow = oauthFlow, credentials = credentials, refresher = refresher, sessions = sessions, links = links, limit = limit
        api.post("oauth/:provider/authorize") { request, context in
            let user = try context.requireUser()
            let input = try await JSONBody.decode(AuthorizeInput.self, from: request, limit: limit)
            let consent = ConsentRequest(provider: try context.parameters.require("provider"), name: input.name, scopes: input.scopes,
                                         credentialID: input.credentialID, fields: try input.fields?.values() ?? [:])
            // A Latchkey link, not the provider's: the consent URL is made only in the browser that opens it.
            let prepared = try await oauthFlow.prepare(user: user, consent)
            return JSONOutput.response(AuthorizeDTO(authorizationURL: links.startLink(ticket: prepared.ticket), expiresAt: prepared.expiresAt,
                                                    redirectURI: oauthFlow.redirectURI))
        }
        api.post("credentials/:id/refresh") { _, context in
            let user = try context.requireUser()
            let credential = try await credentials.owned(owner: user, id: try context.parameters.require("id"))
            guard credential.authMode.isOAuth else { throw LatchkeyError.validationFailed(field: "id", message: "only OAuth credentials are refreshed") }
            let outcome = try await refresher.refreshNow(credentialID: credential.id)
            let view = try await credentials.get(owner: user, id: credential.id)
            return JSONOutput.response(RefreshDTO(outcome: outcome.rawValue, credential: CredentialDTO(view)))
        }
        // The client ID metadata document: authorization servers that support them take this URL as Latchkey's
        // client id and read the redirect URI from here, so nothing needs registering.
        router.get("oauth/client-metadata.json") { _, _ in
            let document: [String: Any] = [
                "client_id": links.clientMetadataDocument, "client_name": "Latchkey", "client_uri": links.publicURL,
                "redirect_uris": [links.callback], "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
                "token_endpoint_auth_method": "none",
            ]
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[.cacheControl] = "public, max-age=3600"
            return Response(status: .ok, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(data: try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes]))))
        }
        router.get("oauth/callback") { request, context in
            let query = request.uri.queryParameters
            let binding = (request.cookies[BrowserCookies.oauthBinding]?.value).map { ConsentRedirect.digest($0) }
            let signedIn = try await sessions.authenticate(cookie: request.cookies[BrowserCookies.session]?.value)
            do {
                let result = try await oauthFlow.complete(
                    state: query["state"].map(String.init), code: query["code"].map(String.init), error: query["error"].map(String.init),
                    browserBinding: binding, signedInUserID: signedIn?.0.id,
                    callbackQuery: Dictionary(query.map { (String($0.key), String($0.value)) }) { first, _ in first }
                )
                // A signed-in browser lands on the dashboard with a success message; others get a page.
                if signedIn != nil {
                    return PageRenderer.redirect("/credentials?notice=\(result.reconnected ? "reconnected" : "connected")")
                }
                let verb = result.reconnected ? "reconnected" : "connected"
                return callbackPage(.ok, "Connected", "Your \(result.credential.provider) account is \(verb) as “\(result.credential.name)”. Agents bound to it can use it now; you can close this tab.", true, context)
            } catch let error as OAuthFlowError {
                let (status, heading, message) = CallbackPage.failure(error)
                return callbackPage(status, heading, message, false, context)
            }
        }
        if renderer == nil { registerStartLinkWithoutDashboard(on: router) }
        api.allowOnly("oauth/:provider/authorize", [.post])
        api.allowOnly("credentials/:id/refresh", [.post])
    }

    /// Without the dashboard there is no sign-in to require, so a start link only binds the browser that opens it
    /// (single use, ten minutes). With the dashboard, `OAuthPages` serves the link and requires the starter's session.
    private func registerStartLinkWithoutDashboard(on router: Router<AppRequestContext>) {
        let oauthFlow = oauthFlow, users = users, secure = links.publicURL.hasPrefix("https://")
        router.get("oauth/start/:ticket") { _, context in
            guard let prepared = try await oauthFlow.redeem(ticket: try context.parameters.require("ticket")),
                  let user = try await users.user(id: prepared.userID) else {
                return CallbackPage.response(.gone, title: "This connection link has expired or was already used",
                                             message: "Each link works once, for ten minutes. Nothing was saved.")
            }
            return try await ConsentRedirect.start(oauthFlow, user: user, prepared.request, secure: secure)
        }
    }
}
