import Foundation
import Hummingbird
import LatchkeyCore

/// `/settings` (admins): the OAuth apps, with the redirect URI to register.
struct SettingsPages: DashboardPages {
    let oauthFlow: OAuthFlowService
    let oauthApps: OAuthAppService
    /// Which OAuth apps are set, read without opening their secrets.
    let appStore: any OAuthAppStore
    let catalog: Catalog
    let renderer: PageRenderer

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("settings") { request, context in
            try await page(request: request, context: context, error: nil)
        }
        group.post("settings/oauth-apps/:provider") { request, context in
            let user = try context.requireUser()
            let form = try await context.form(request)
            let provider = try context.parameters.require("provider")
            let clientID = form["client_id"] ?? "", secret = form["client_secret"] ?? ""
            do {
                // A blank secret keeps the stored one, sealed as it is: it is not decrypted to be kept.
                if secret.isEmpty {
                    _ = try await oauthApps.putKeepingSecret(by: user, provider: provider, clientID: clientID)
                } else {
                    _ = try await oauthApps.put(by: user, provider: provider, clientID: clientID, clientSecret: secret)
                }
                return PageRenderer.redirect("/settings?notice=app_saved")
            } catch let error as LatchkeyError {
                return try await page(request: request, context: context, error: APIError.from(domain: error).message)
            }
        }
    }

    func page(request: Request, context: AppRequestContext, error: String?) async throws -> Response {
        let user = try context.requireUser()
        guard user.role == .admin else { throw LatchkeyError.forbidden("only admins manage settings") }
        var apps: [SettingsView.App] = []
        for provider in catalog.all where provider.authMode.isOAuth {
            let app = try await appStore.oauthApp(provider: provider.id)
            apps.append(.init(provider: provider.id, providerName: provider.name, configured: app != nil, clientID: app?.clientID,
                              action: "/settings/oauth-apps/\(provider.id)"))
        }
        return renderer.page(SettingsView(redirectURI: oauthFlow.redirectURI, apps: apps), context: context, tab: .settings, title: "Settings",
                             notice: Notices.text(for: request.uri.queryParameters["notice"]), error: error, status: error == nil ? .ok : .badRequest)
    }
}
