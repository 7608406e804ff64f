import Hummingbird
import LatchkeyCore

/// Every dashboard route: static files, sign-in and setup, and the signed-in pages.
struct Dashboard {
    let runtime: LatchkeyRuntime
    let assets: WebAssets
    let renderer: PageRenderer

    func register(on router: Router<AppRequestContext>) {
        let assets = assets
        router.get("static/:file") { _, context in
            guard let (buffer, type) = assets.statics[try context.parameters.require("file")] else { throw LatchkeyError.notFound("file") }
            return Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300"], body: .init(byteBuffer: buffer))
        }
        AuthPages(runtime: runtime, renderer: renderer).register(on: router)
        if let sso = runtime.sso { SSOPages(sso: sso, runtime: runtime, renderer: renderer).register(on: router) }
        let pages = router.group().add(middleware: DashboardAuthMiddleware(sessions: runtime.sessions)).add(middleware: ErrorMiddleware(renderer: renderer))
        CredentialPages(runtime: runtime, renderer: renderer).register(on: pages)
        let groupPages = GroupPages(runtime: runtime, renderer: renderer)
        groupPages.register(on: pages)
        GroupRulePages(runtime: runtime, pages: groupPages).register(on: pages)
        ApprovalPages(runtime: runtime, renderer: renderer).register(on: pages)
        ProviderPages(runtime: runtime, renderer: renderer).register(on: pages)
        ActivityPages(store: runtime.store, renderer: renderer).register(on: pages)
        SettingsPages(runtime: runtime, renderer: renderer).register(on: pages)
        WebhookPages(webhooks: runtime.webhooks, renderer: renderer).register(on: pages)
        OAuthPages(runtime: runtime, renderer: renderer).register(on: pages)
    }
}
