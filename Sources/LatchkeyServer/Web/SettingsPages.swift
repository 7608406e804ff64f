import Foundation
import Hummingbird
import LatchkeyCore

/// `/settings` (admins): the OAuth apps, with the redirect URI to register.
struct SettingsPages {
    let runtime: LatchkeyRuntime
    let renderer: PageRenderer

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("settings") { request, context in
            try await page(request: request, context: context, error: nil)
        }
        group.post("settings/oauth-apps/:provider") { request, context in
            let user = try context.requireUser()
            let form = try await context.form(request)
            let provider = try context.parameters.require("provider")
            var secret = form["client_secret"] ?? ""
            if secret.isEmpty, let existing = try await runtime.store.oauthApp(provider: provider) {
                // A blank secret keeps the stored one.
                secret = try await runtime.sealer.open(existing.clientSecret, recordID: OAuthApp.recordID(provider: provider), field: "client_secret")
            }
            do {
                _ = try await runtime.oauthApps.put(by: user, provider: provider, clientID: form["client_id"] ?? "", clientSecret: secret)
                return PageRenderer.redirect("/settings?notice=app_saved")
            } catch let error as LatchkeyError {
                return try await page(request: request, context: context, error: APIError.from(domain: error).message)
            }
        }
    }

    func page(request: Request, context: AppRequestContext, error: String?) async throws -> Response {
        let user = try context.requireUser()
        guard user.role == .admin else { throw LatchkeyError.forbidden("only admins manage settings") }
        var apps: [[String: Any]] = []
        for provider in runtime.catalog.all where provider.authMode.isOAuth {
            let app = try await runtime.store.oauthApp(provider: provider.id)
            apps.append(["provider": provider.id, "provider_name": provider.name, "configured": app != nil, "client_id": app?.clientID ?? "",
                         "action": "/settings/oauth-apps/\(provider.id)"])
        }
        return renderer.page("settings", ["redirect_uri": runtime.oauthFlow.redirectURI, "apps": apps], context: context, tab: .settings, title: "Settings",
                             notice: Notices.text(for: request.uri.queryParameters["notice"]), error: error, status: error == nil ? .ok : .badRequest)
    }
}
