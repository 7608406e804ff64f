import Foundation
import Hummingbird
import HTTPTypes
import LatchkeyCore
@testable import LatchkeyServer

extension TestEnvironment {
    /// The router with the dashboard (templates from the repository's `web/`).
    func dashboardRouter() async throws -> Router<AppRequestContext> {
        let web = try await WebAssets.load(directory: TemplateEscapingTests.templatesDirectory + "/..")
        return ApplicationBuilder.router(runtime: runtime, web: web)
    }

    /// A signed-in browser of a new user: its cookie header and the session's CSRF token.
    func browser(_ email: String, role: User.Role = .member) async throws -> (user: User, headers: HTTPFields, csrf: String) {
        let user = try await runtime.users.add(email: email, password: "correct horse battery", role: role)
        let (cookie, session) = try await runtime.sessions.open(for: user)
        var headers: HTTPFields = [.cookie: "\(BrowserCookies.session)=\(cookie)", .accept: Self.browserAccept]
        headers[.contentType] = "application/x-www-form-urlencoded"
        return (user, headers, session.csrf)
    }

    /// What Chromium sends for a page load or a form post.
    static let browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
}
