import Foundation
import Hummingbird
import LatchkeyCore

/// The Credentials tab: list, create from the provider's schema, edit, delete, connect and reconnect OAuth.
struct CredentialPages {
    let runtime: LatchkeyRuntime
    let renderer: PageRenderer

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("credentials") { request, context in
            let user = try context.requireUser()
            let page = try await runtime.credentials.list(owner: user, cursor: FormInput.query(request)["cursor"], limit: nil)
            let rows: [[String: Any]] = page.items.map { row($0) }
            var values: [String: Any] = ["credentials": rows, "empty": rows.isEmpty, "new_url": "/credentials/new"]
            values["next_url"] = page.nextCursor.map { "/credentials?cursor=" + TokenRequester.formEncode($0) }
            return renderer.page("credentials", values, context: context,
                                 tab: .credentials, title: "Credentials", notice: Notices.text(for: request.uri.queryParameters["notice"]))
        }
        group.get("credentials/new") { request, context in
            let query = FormInput.query(request)
            guard let providerID = query["provider"], let provider = runtime.catalog.provider(providerID) else {
                let q = query["q"] ?? ""
                return renderer.page("credential_choose", ["q": q, "providers": CatalogPages.matching(runtime.catalog, q).map { p in
                    ["id": p.id, "name": p.name, "auth_mode": p.authMode.rawValue, "auth_label": CatalogPages.authLabel(p.authMode), "url": "/credentials/new?provider=\(p.id)"]
                }], context: context, tab: .credentials, title: "New credential")
            }
            return form(for: provider, credential: nil, context: context)
        }
        group.post("credentials") { request, context in
            let user = try context.requireUser()
            let form = try await context.form(request)
            // The provider travels in the form's action URL (`/credentials?provider=ID`), chosen by the server.
            let providerID = FormInput.query(request)["provider"] ?? form["provider"] ?? ""
            guard let provider = runtime.catalog.provider(providerID) else { throw LatchkeyError.notFound("provider '\(providerID)'") }
            do {
                _ = try await runtime.credentials.create(owner: user, provider: provider.id, name: form["name"] ?? "", fields: form.fields(dropEmpty: true))
                return PageRenderer.redirect("/credentials?notice=created")
            } catch let error as LatchkeyError {
                return self.form(for: provider, credential: nil, context: context, submitted: form, error: error)
            }
        }
        group.get("credentials/:id/edit") { _, context in
            let user = try context.requireUser()
            let credential = try await runtime.credentials.owned(owner: user, id: try context.parameters.require("id"))
            guard let provider = runtime.catalog.provider(credential.provider) else { throw LatchkeyError.unknownProvider(credential.provider) }
            return form(for: provider, credential: credential, context: context)
        }
        group.post("credentials/:id") { request, context in
            let user = try context.requireUser()
            let credential = try await runtime.credentials.owned(owner: user, id: try context.parameters.require("id"))
            let form = try await context.form(request)
            guard let provider = runtime.catalog.provider(credential.provider) else { throw LatchkeyError.unknownProvider(credential.provider) }
            do {
                // A secret left blank keeps its value; a cleared non-secret optional field is simply left as it was.
                _ = try await runtime.credentials.update(owner: user, id: credential.id, name: form["name"], fields: form.fields(dropEmpty: true))
                return PageRenderer.redirect("/credentials?notice=updated")
            } catch let error as LatchkeyError {
                return self.form(for: provider, credential: credential, context: context, submitted: form, error: error)
            }
        }
        group.get("credentials/:id/delete") { _, context in
            let user = try context.requireUser()
            let credential = try await runtime.credentials.owned(owner: user, id: try context.parameters.require("id"))
            let name = runtime.catalog.provider(credential.provider)?.name ?? credential.provider
            return renderer.page("credential_delete", ["credential": ["id": credential.id, "name": credential.name, "provider_name": name],
                                                       "action": "/credentials/\(credential.id)/delete"], context: context, tab: .credentials, title: "Delete credential")
        }
        group.post("credentials/:id/delete") { request, context in
            let user = try context.requireUser()
            _ = try await context.form(request)
            try await runtime.revocation.delete(owner: user, id: try context.parameters.require("id"))
            return PageRenderer.redirect("/credentials?notice=deleted")
        }
    }

    func row(_ view: CredentialView) -> [String: Any] {
        let (label, cls) = Self.status(view.status)
        return [
            "id": view.id, "name": view.name, "provider": view.provider, "provider_name": runtime.catalog.provider(view.provider)?.name ?? view.provider,
            "auth_mode": view.authMode.rawValue, "status": view.status.rawValue, "status_label": label, "status_class": cls,
            "updated_at": PageRenderer.date(view.updatedAt), "is_oauth": view.authMode.isOAuth,
            "needs_reconnect": view.authMode == .oauth2 && (view.status == .needsReauth || view.status == .revoked || view.status == .refreshFailing),
            "edit_url": "/credentials/\(view.id)/edit", "delete_url": "/credentials/\(view.id)/delete", "reconnect_url": "/credentials/\(view.id)/reconnect",
        ]
    }

    static func status(_ status: CredentialStatus) -> (String, String) {
        switch status {
        case .active: ("Active", "ok")
        case .refreshFailing: ("Refresh failing", "warn")
        case .needsReauth: ("Needs new consent", "bad")
        case .revoked: ("Revoked", "bad")
        }
    }

    /// The form generated from the provider's credential schema. Secret inputs never carry a value.
    func form(for provider: Provider, credential: Credential?, context: AppRequestContext, submitted: FormInput? = nil, error: LatchkeyError? = nil) -> Response {
        var fieldError: [String: String] = [:]
        var nameError: String?
        var pageError: String?
        switch error {
        case .validationFailed(let field, let message)?:
            if field == "name" { nameError = message } else if field.hasPrefix("fields.") { fieldError[String(field.dropFirst(7))] = message } else { pageError = message }
        case let other?:
            pageError = APIError.from(domain: other).message
        case nil:
            break
        }
        let isOAuth = provider.authMode == .oauth2 && credential == nil
        let fields: [[String: Any]] = provider.fields.map { field in
            let current = submitted?["field.\(field.name)"] ?? credential?.publicFields[field.name] ?? ""
            return [
                "name": field.name, "label": field.label, "help": field.help ?? "", "input_type": field.secret ? "password" : "text",
                "required": field.required && (credential == nil || !field.secret), "pattern": field.pattern ?? "",
                "value": field.secret ? "" : current,
                "placeholder": field.secret && credential?.secrets[field.name] != nil ? "Leave blank to keep the current value" : "",
                "error": fieldError[field.name] ?? "",
            ]
        }
        var values: [String: Any] = [
            "is_new": credential == nil, "is_oauth": isOAuth,
            "action": isOAuth ? "/oauth/\(provider.id)/start" : (credential.map { "/credentials/\($0.id)" } ?? "/credentials?provider=\(provider.id)"),
            "provider": ["id": provider.id, "name": provider.name, "docs": provider.docs ?? "", "auth_mode": provider.authMode.rawValue],
            "name": submitted?["name"] ?? credential?.name ?? "", "fields": fields,
        ]
        if let nameError { values["name_error"] = nameError }
        let title = credential == nil ? (isOAuth ? "Connect \(provider.name)" : "New \(provider.name) credential") : "Edit \(credential?.name ?? "")"
        return renderer.page("credential_form", values, context: context, tab: .credentials, title: title, error: pageError,
                             status: error == nil ? .ok : .badRequest)
    }
}
