import Hummingbird
import LatchkeyCore

/// Every dashboard route: static files, sign-in and setup, and the signed-in pages (built by `ApplicationBuilder`).
struct Dashboard {
    let assets: WebAssets
    let renderer: PageRenderer
    /// Sign-in, sign-out and setup: the pages anyone may open.
    let auth: AuthPages
    /// Sign-in through the deployment's OpenID Connect provider, when one is configured.
    let sso: SSOPages?
    /// Who is signed in, for every other page.
    let sessions: SessionService
    let pages: [any DashboardPages]

    func register(on router: Router<AppRequestContext>) {
        let assets = assets
        router.get("static/:file") { _, context in
            guard let (buffer, type) = assets.statics[try context.parameters.require("file")] else { throw LatchkeyError.notFound("file") }
            return Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300"], body: .init(byteBuffer: buffer))
        }
        auth.register(on: router)
        sso?.register(on: router)
        let signedIn = router.group().add(middleware: DashboardAuthMiddleware(sessions: sessions)).add(middleware: ErrorMiddleware(renderer: renderer))
        for page in pages { page.register(on: signedIn) }
    }
}
