import Foundation
import Hummingbird
import LatchkeyCore

/// Browser entry points of the consent flow: Connect (`/oauth/{provider}/start`), Reconnect, and the start links
/// the API hands out (`/oauth/start/{ticket}`). All of them need a browser signed in as the user the flow is for,
/// and bind the flow to that browser by a cookie, so a callback opened anywhere else is refused.
struct OAuthPages: DashboardPages {
    let oauthFlow: OAuthFlowService
    let credentials: CredentialService
    let catalog: Catalog
    /// The form a failed connection falls back to.
    let credentialPages: CredentialPages
    let renderer: PageRenderer

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("oauth/:provider/start") { request, context in
            let user = try context.requireUser()
            let query = FormInput.query(request)
            var fields: [String: String] = [:]
            for (key, value) in query where key.hasPrefix("field.") && !value.isEmpty { fields[String(key.dropFirst(6))] = value }
            let consent = ConsentRequest(provider: try context.parameters.require("provider"), name: query["name"], credentialID: query["credential_id"], fields: fields)
            return try await start(user: user, consent, context: context, fromForm: true)
        }
        group.get("credentials/:id/reconnect") { request, context in
            let user = try context.requireUser()
            let credential = try await credentials.owned(owner: user, id: try context.parameters.require("id"))
            // `?scopes=a+b`: a remote server's step-up asked for more than was granted (the provider shows them all).
            let scopes = FormInput.query(request)["scopes"].map { $0.split(separator: " ").map(String.init) }.flatMap { $0.isEmpty ? nil : Array($0.prefix(50)) }
            return try await start(user: user, ConsentRequest(provider: credential.provider, scopes: scopes, credentialID: credential.id), context: context)
        }
        // A start link made by `POST /api/v1/oauth/{provider}/authorize`. The dashboard's sign-in comes first (the
        // middleware sends a browser without a session to /login and back), so the link works only for its starter:
        // whoever else it is forwarded to cannot connect their own account into the starter's.
        group.get("oauth/start/:ticket") { _, context in
            let user = try context.requireUser()
            guard let prepared = try await oauthFlow.redeem(ticket: try context.parameters.require("ticket")) else {
                return renderer.message(heading: "This connection link has expired or was already used",
                                        message: "Each link works once, for ten minutes. Nothing was saved. Ask for a new link, or connect from Credentials.",
                                        success: false, status: .gone, context: context)
            }
            // The ticket is used up either way: a link that reached the wrong account is dead for everyone.
            guard prepared.userID == user.id else {
                return renderer.message(heading: "This connection link belongs to another account",
                                        message: "It was made for a different Latchkey user than the one signed in here, and it no longer works. Nothing was saved.",
                                        success: false, status: .forbidden, context: context)
            }
            return try await start(user: user, prepared.request, context: context)
        }
    }

    /// Starts the flow and sends the browser to the provider. A link is answered with a redirect. The Connect form
    /// is answered with a page that moves on by itself: a form's redirect to another origin would need that origin
    /// in the pages' `form-action`, which then stays `'self'` and nothing else.
    func start(user: User, _ consent: ConsentRequest, context: AppRequestContext, fromForm: Bool = false) async throws -> Response {
        do {
            guard fromForm else { return try await ConsentRedirect.start(oauthFlow, user: user, consent, secure: renderer.secureCookies) }
            let (url, cookie) = try await ConsentRedirect.begin(oauthFlow, user: user, consent, secure: renderer.secureCookies)
            let name = catalog.provider(consent.provider)?.name ?? consent.provider
            let view = MessageView(heading: "Continuing to \(name)…", message: "Sign in there and allow access; you will come back here.",
                                   success: true, linkURL: url, linkLabel: "Continue to \(name)", refreshURL: url)
            var response = renderer.page(view, context: context, tab: .none, title: "Continuing to \(name)")
            response.setCookie(cookie)
            return response
        } catch let error as LatchkeyError {
            guard let target = catalog.provider(consent.provider) else { throw error }
            if case .validationFailed(let field, _) = error, field == "name" || field.hasPrefix("fields.") {
                return credentialPages.form(for: target, credential: nil, context: context, error: error)
            }
            return renderer.message(heading: "Cannot connect \(target.name)", message: APIError.from(domain: error).message, success: false,
                                    status: .badRequest, context: context)
        }
    }
}
