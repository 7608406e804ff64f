import Crypto
import Foundation
import Hummingbird
import LatchkeyCore

/// Browser entry points of the consent flow: Connect (`/oauth/{provider}/start`) and Reconnect.
/// The flow is bound to this browser by a cookie, so a callback opened in another browser is refused.
struct OAuthPages {
    let runtime: LatchkeyRuntime
    let renderer: PageRenderer

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("oauth/:provider/start") { request, context in
            let user = try context.requireUser()
            let query = FormInput.query(request)
            var fields: [String: String] = [:]
            for (key, value) in query where key.hasPrefix("field.") && !value.isEmpty { fields[String(key.dropFirst(6))] = value }
            return try await start(user: user, provider: try context.parameters.require("provider"), name: query["name"],
                                   credentialID: query["credential_id"], fields: fields, context: context)
        }
        group.get("credentials/:id/reconnect") { _, context in
            let user = try context.requireUser()
            let credential = try await runtime.credentials.owned(owner: user, id: try context.parameters.require("id"))
            return try await start(user: user, provider: credential.provider, name: nil, credentialID: credential.id, fields: [:], context: context)
        }
    }

    func start(user: User, provider: String, name: String?, credentialID: String?, fields: [String: String], context: AppRequestContext) async throws -> Response {
        let binding = PKCE.randomToken()
        do {
            let flow = try await runtime.oauthFlow.start(user: user, provider: provider, name: name, scopes: nil, credentialID: credentialID,
                                                         fields: fields, browserBinding: Self.digest(binding))
            var response = Response(status: .found, headers: [.location: flow.url, .cacheControl: "no-store"])
            response.setCookie(BrowserCookies.cookie(BrowserCookies.oauthBinding, binding, maxAge: Int(OAuthFlowService.stateLifetime), secure: renderer.secureCookies))
            return response
        } catch let error as LatchkeyError {
            guard let target = runtime.catalog.provider(provider) else { throw error }
            if case .validationFailed(let field, _) = error, field == "name" || field.hasPrefix("fields.") {
                return CredentialPages(runtime: runtime, renderer: renderer).form(for: target, credential: nil, context: context, error: error)
            }
            return renderer.message(heading: "Cannot connect \(target.name)", message: APIError.from(domain: error).message, success: false,
                                    status: .badRequest, context: context)
        }
    }

    static func digest(_ value: String) -> Data { Data(SHA256.hash(data: Data(value.utf8))) }
}
