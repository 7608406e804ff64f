import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import LatchkeyCore
import Testing
@testable import LatchkeyServer

/// Dashboard errors are pages for browsers and SPEC's JSON for programs (issue 19 item 9; `ErrorPage`).
@Suite struct DashboardErrorPageTests {
    static func isErrorPage(_ reply: JSONReply, status: Int) -> Bool {
        reply.status.code == status && reply.headers[.contentType]?.hasPrefix("text/html") == true
            && reply.text.contains("Status \(status)") && reply.text.contains("href=\"/credentials\"") && reply.errorCode == nil
    }

    @Test func anUnknownPageIsAPageForABrowserAndJSONForAProgram() async throws {
        let env = try await TestEnvironment()
        try await Application(router: try await env.dashboardRouter()).test(.router) { client in
            let page = try await client.call(.get, "/no-such-page", headers: [.accept: TestEnvironment.browserAccept])
            #expect(Self.isErrorPage(page, status: 404), "\(page.status) \(page.text.prefix(300))")
            #expect(page.text.contains("<title>Not found · Latchkey</title>"))
            #expect(page.headers[.contentSecurityPolicy] == PageRenderer.contentSecurityPolicy, "an error page has every page's headers")
            let program = try await client.call(.get, "/no-such-page", headers: [.accept: "*/*"])
            #expect(program.status == .notFound && program.errorCode == "not_found")
            let api = try await client.call(.get, "/api/v1/no-such-route", headers: [.accept: TestEnvironment.browserAccept])
            #expect(api.status == .notFound && api.errorCode == "not_found", "the API keeps JSON even for a browser")
            let refused = try await client.call(.get, "/no-such-page", headers: [.accept: "text/html;q=0, application/json"])
            #expect(refused.errorCode == "not_found", "HTML refused with q=0")
        }
    }

    @Test func anotherUsersCredentialIsANotFoundPageInsideTheLayout() async throws {
        let env = try await TestEnvironment()
        let owner = try await env.runtime.users.add(email: "owner@example.com", password: "correct horse battery", role: .member)
        let credential = try await env.runtime.credentials.create(owner: owner, provider: "echo", name: "theirs", fields: ["api_key": "owner-secret-value-123"])
        let (_, headers, _) = try await env.browser("other@example.com")
        try await Application(router: try await env.dashboardRouter()).test(.router) { client in
            for path in ["/credentials/\(credential.id)/edit", "/credentials/crd_nothing/delete", "/groups/grp_nothing"] {
                let page = try await client.call(.get, path, headers: headers)
                #expect(Self.isErrorPage(page, status: 404), "\(path): \(page.status) \(page.text.prefix(300))")
                #expect(page.text.contains("other@example.com") && page.text.contains("id=\"logout-form\""), "\(path): the signed-in header stays")
                #expect(!page.text.contains("owner-secret-value-123") && !page.text.contains("theirs"))
            }
            let api = try await client.call(.get, "/credentials/\(credential.id)/edit", headers: [.cookie: headers[.cookie] ?? "", .accept: "application/json"])
            #expect(api.status == .notFound && api.errorCode == "not_found")
        }
    }

    @Test func aFormFromElsewhereIsAForbiddenPageAndABadFormABadRequestPage() async throws {
        let env = try await TestEnvironment()
        let (admin, headers, csrf) = try await env.browser("admin@example.com", role: .admin)
        try await Application(router: try await env.dashboardRouter()).test(.router) { client in
            let forged = try await client.call(.post, "/groups", headers: headers, body: ByteBuffer(string: "name=x&csrf=forged"))
            #expect(Self.isErrorPage(forged, status: 403), "\(forged.status) \(forged.text.prefix(300))")
            #expect(forged.text.contains("This form has expired or did not come from Latchkey"))
            var json = headers
            json[.contentType] = "application/json"
            let notAForm = try await client.call(.post, "/groups", headers: json, body: ByteBuffer(string: "{\"csrf\": \"\(csrf)\"}"))
            #expect(Self.isErrorPage(notAForm, status: 400), "\(notAForm.status) \(notAForm.text.prefix(300))")
            #expect(try await env.runtime.store.groups(ownerID: admin.id).isEmpty, "nothing was created")
        }
    }

    @Test func aServerFaultPageSaysNothingAboutTheFault() async throws {
        let env = try await TestEnvironment()
        let router = try await env.dashboardRouter()
        struct Leaky: Error, CustomStringConvertible { var description: String { "password=hunter2 at /var/lib/latchkey.db" } }
        router.get("boom") { _, _ -> Response in throw Leaky() }
        router.get("api/v1/boom") { _, _ -> Response in throw Leaky() }
        try await Application(router: router).test(.router) { client in
            let page = try await client.call(.get, "/boom", headers: [.accept: TestEnvironment.browserAccept])
            #expect(Self.isErrorPage(page, status: 500), "\(page.status) \(page.text.prefix(300))")
            #expect(!page.text.contains("hunter2") && !page.text.contains("latchkey.db") && !page.text.contains("Leaky"))
            let api = try await client.call(.get, "/api/v1/boom", headers: [.accept: TestEnvironment.browserAccept])
            #expect(api.status == .internalServerError && api.errorCode == "internal_error")
        }
    }

    @Test(arguments: [
        ("text/html", true), ("text/html;q=0.5", true), ("TEXT/HTML", true), ("application/json", false), ("*/*", false), ("text/html; q=0", false),
        ("text/html;level=1, */*", true),
    ])
    func aPageIsForWhatAcceptsHTML(_ accept: String, _ page: Bool) {
        var head = HTTPRequest(method: .get, scheme: "http", authority: "x", path: "/credentials")
        head.headerFields[.accept] = accept
        let request = Request(head: head, body: .init(buffer: ByteBuffer()))
        #expect(ErrorPage.prefersPage(request) == page)
    }
}
