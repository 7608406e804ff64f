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

    func page(_ template: String, _ values: [String: Any], context: AppRequestContext, tab: Tab, title: String,
              notice: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        var all = values
        all["title"] = title
        all["csrf"] = context.session?.csrf ?? values["csrf"] ?? ""
        if let user = context.user { all["user"] = ["email": user.email, "is_admin": user.role == .admin] }
        if tab != .none { all["nav_\(tab.rawValue)"] = true }
        if let notice { all["notice"] = notice }
        if let error { all["error"] = error }
        let html = assets.library.render(Self.compacted(all), withTemplate: template) ?? "<!doctype html><title>Latchkey</title><p>The page template '\(template)' is missing.</p>"
        return Self.html(html, status: status)
    }

    /// The context without empty strings, at any depth: swift-mustache treats "" as true, so an absent optional
    /// (an error, a help text) must be absent rather than empty.
    static func compacted(_ value: [String: Any]) -> [String: Any] {
        var out: [String: Any] = [:]
        for (key, item) in value {
            switch item {
            case let text as String where text.isEmpty: continue
            case let map as [String: Any]: out[key] = compacted(map)
            case let list as [[String: Any]]: out[key] = list.map(compacted)
            default: out[key] = item
            }
        }
        return out
    }

    /// A standalone result page (also used for OAuth callbacks and errors).
    func message(heading: String, message: String, success: Bool, status: HTTPResponse.Status, context: AppRequestContext,
                 link: (url: String, label: String)? = ("/credentials", "Back to your credentials")) -> Response {
        var values: [String: Any] = ["heading": heading, "message": message, "success": success, "status": Int(status.code)]
        if let link { values["link_url"] = link.url; values["link_label"] = link.label }
        return page("message", values, context: context, tab: .none, title: heading, status: status)
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
