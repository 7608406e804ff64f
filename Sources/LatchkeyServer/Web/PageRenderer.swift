import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore

/// Renders dashboard pages with the keys every page shares, and the headers every page needs.
struct PageRenderer: Sendable {
    let assets: WebAssets
    let secureCookies: Bool

    /// The tabs of the navigation.
    enum Tab: String {
        case credentials, groups, approvals, providers, activity, settings, webhooks, none
    }

    /// The page of `view`, inside the layout, with the frame every page shares. `csrf` is for pages shown before
    /// sign-in (their token comes from a cookie); signed-in pages use the session's.
    func page<View: PageView>(_ view: View, context: AppRequestContext, tab: Tab, title: String, notice: String? = nil, error: String? = nil,
                              status: HTTPResponse.Status = .ok, csrf: String? = nil) -> Response {
        let account = context.user.map { PageFrame.Account(email: $0.email, isAdmin: $0.role == .admin) }
        let frame = PageFrame(title: title, csrf: context.session?.csrf ?? csrf, user: account, tab: tab, notice: notice, error: error)
        guard var values = try? TemplateValues.of(view), let shared = try? TemplateValues.of(frame) else {
            return Self.html(Self.fallback("The page could not be put together."), status: .internalServerError)
        }
        values.merge(shared) { _, frame in frame }
        let html = assets.library.render(values, withTemplate: View.template) ?? Self.fallback("The page template '\(View.template)' is missing.")
        return Self.html(html, status: status)
    }

    /// A page without the layout, for when the layout cannot be used.
    static func fallback(_ text: String) -> String {
        "<!doctype html><title>Latchkey</title><p>\(HTMLEscaping.escape(text))</p>"
    }

    /// A standalone result page (also used for OAuth callbacks and errors).
    func message(heading: String, message: String, success: Bool, status: HTTPResponse.Status, context: AppRequestContext,
                 link: (url: String, label: String)? = ("/credentials", "Back to your credentials")) -> Response {
        let view = MessageView(heading: heading, message: message, success: success, status: Int(status.code), linkURL: link?.url, linkLabel: link?.label)
        return page(view, context: context, tab: .none, title: heading, status: status)
    }

    /// Every HTML page's policy. Forms post to this origin only (consent leaves by a redirect or a page that moves
    /// on by itself, never by a form), so a form planted in a page cannot send a password elsewhere; no source
    /// anywhere is a bare scheme.
    static let contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    static let dateFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter
    }()

    static func date(_ date: Date) -> String { dateFormatter.string(from: date) }
}
