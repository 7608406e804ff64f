import LatchkeyCore

extension ApplicationBuilder {
    /// The dashboard's pages, each given the services and settings it uses.
    static func dashboard(runtime: LatchkeyRuntime, assets: WebAssets, renderer: PageRenderer) -> Dashboard {
        let configuration = runtime.configuration, catalog = runtime.catalog
        let auth = AuthPages(sessions: runtime.sessions, setup: runtime.setup, oidc: configuration.oidc, passwordSignIn: configuration.passwordSignIn,
                             trustedProxies: configuration.trustedProxies, renderer: renderer)
        let sso = runtime.sso.map { SSOPages(sso: $0, trustedProxies: configuration.trustedProxies, renderer: renderer) }
        let credentialPages = CredentialPages(credentials: runtime.credentials, catalog: catalog, revocation: runtime.revocation, renderer: renderer)
        let controls = GroupControls(budgets: runtime.budgets, approvals: runtime.approvals, audit: runtime.store, catalog: catalog, clock: runtime.clock)
        let groupPages = GroupPages(groups: runtime.groups, credentials: runtime.credentials, warnings: runtime.warnings, catalog: catalog, controls: controls,
                                    publicURL: configuration.publicURL, renderer: renderer)
        let pages: [any DashboardPages] = [
            credentialPages,
            groupPages,
            GroupRulePages(budgets: runtime.budgets, catalog: catalog, pages: groupPages),
            ApprovalPages(approvals: runtime.approvals, budgets: runtime.budgets, catalog: catalog, clock: runtime.clock, renderer: renderer),
            ProviderPages(catalog: catalog, userProviders: runtime.userProviders, renderer: renderer),
            ActivityPages(audit: runtime.store, renderer: renderer),
            SettingsPages(oauthFlow: runtime.oauthFlow, oauthApps: runtime.oauthApps, appStore: runtime.store, catalog: catalog, renderer: renderer),
            WebhookPages(webhooks: runtime.webhooks, renderer: renderer),
            OAuthPages(oauthFlow: runtime.oauthFlow, credentials: runtime.credentials, catalog: catalog, credentialPages: credentialPages, renderer: renderer),
        ]
        return Dashboard(assets: assets, renderer: renderer, auth: auth, sso: sso, sessions: runtime.sessions, pages: pages)
    }
}
