import Foundation
import Hummingbird
import LatchkeyCore

/// The Credentials tab: list, create from the provider's schema, edit, delete, connect and reconnect OAuth.
struct CredentialPages: DashboardPages {
    let credentials: CredentialService
    let catalog: Catalog
    /// Deletes a credential, revoking its tokens at the provider first.
    let revocation: RevocationService
    let renderer: PageRenderer

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("credentials") { request, context in
            let user = try context.requireUser()
            let page = try await credentials.list(owner: user, cursor: FormInput.query(request)["cursor"], limit: nil)
            let view = CredentialsView(credentials: page.items.map { row($0) },
                                       nextURL: page.nextCursor.map { "/credentials?cursor=" + TokenRequester.formEncode($0) })
            return renderer.page(view, context: context,
                                 tab: .credentials, title: "Credentials", notice: Notices.text(for: request.uri.queryParameters["notice"]))
        }
        group.get("credentials/new") { request, context in
            let query = FormInput.query(request)
            guard let providerID = query["provider"], let provider = catalog.provider(providerID) else {
                let q = query["q"] ?? ""
                let choices = ProviderPages.matching(catalog, q).map { p in
                    CredentialChooseView.Choice(id: p.id, name: p.name, authMode: p.authMode.rawValue, authLabel: ProviderPages.authLabel(p.authMode),
                                                url: "/credentials/new?provider=\(p.id)")
                }
                return renderer.page(CredentialChooseView(q: q, providers: choices), context: context, tab: .credentials, title: "New credential")
            }
            return form(for: provider, credential: nil, context: context)
        }
        group.post("credentials") { request, context in
            let user = try context.requireUser()
            let form = try await context.form(request)
            // The provider travels in the form's action URL (`/credentials?provider=ID`), chosen by the server.
            let providerID = FormInput.query(request)["provider"] ?? form["provider"] ?? ""
            guard let provider = catalog.provider(providerID) else { throw LatchkeyError.notFound("provider '\(providerID)'") }
            do {
                _ = try await credentials.create(owner: user, provider: provider.id, name: form["name"] ?? "", fields: form.fields(dropEmpty: true))
                return PageRenderer.redirect("/credentials?notice=created")
            } catch let error as LatchkeyError {
                return self.form(for: provider, credential: nil, context: context, submitted: form, error: error)
            }
        }
        group.get("credentials/:id/edit") { _, context in
            let user = try context.requireUser()
            let credential = try await credentials.owned(owner: user, id: try context.parameters.require("id"))
            guard let provider = catalog.provider(credential.provider) else { throw LatchkeyError.unknownProvider(credential.provider) }
            return form(for: provider, credential: credential, context: context)
        }
        group.post("credentials/:id") { request, context in
            let user = try context.requireUser()
            let credential = try await credentials.owned(owner: user, id: try context.parameters.require("id"))
            let form = try await context.form(request)
            guard let provider = catalog.provider(credential.provider) else { throw LatchkeyError.unknownProvider(credential.provider) }
            do {
                // A secret left blank keeps its value; a cleared non-secret optional field is simply left as it was.
                _ = try await credentials.update(owner: user, id: credential.id, name: form["name"], fields: form.fields(dropEmpty: true))
                return PageRenderer.redirect("/credentials?notice=updated")
            } catch let error as LatchkeyError {
                return self.form(for: provider, credential: credential, context: context, submitted: form, error: error)
            }
        }
        group.get("credentials/:id/delete") { _, context in
            let user = try context.requireUser()
            let credential = try await credentials.owned(owner: user, id: try context.parameters.require("id"))
            let name = catalog.provider(credential.provider)?.name ?? credential.provider
            let view = CredentialDeleteView(credential: .init(id: credential.id, name: credential.name, providerName: name),
                                            action: "/credentials/\(credential.id)/delete")
            return renderer.page(view, context: context, tab: .credentials, title: "Delete credential")
        }
        group.post("credentials/:id/delete") { request, context in
            let user = try context.requireUser()
            _ = try await context.form(request)
            try await revocation.delete(owner: user, id: try context.parameters.require("id"))
            return PageRenderer.redirect("/credentials?notice=deleted")
        }
    }

    func row(_ view: CredentialView) -> CredentialsView.Row {
        let badge = CredentialStatusBadge(view.status)
        return CredentialsView.Row(
            id: view.id, name: view.name, provider: view.provider, providerName: catalog.provider(view.provider)?.name ?? view.provider,
            authMode: view.authMode.rawValue, status: view.status.rawValue, statusLabel: badge.label, statusClass: badge.cssClass,
            updatedAt: PageRenderer.date(view.updatedAt), isOauth: view.authMode.isOAuth,
            needsReconnect: view.authMode == .oauth2 && (view.status == .needsReauth || view.status == .revoked || view.status == .refreshFailing),
            editURL: "/credentials/\(view.id)/edit", deleteURL: "/credentials/\(view.id)/delete", reconnectURL: "/credentials/\(view.id)/reconnect"
        )
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
        let fields = provider.fields.map { field in
            let current = submitted?["field.\(field.name)"] ?? credential?.publicFields[field.name] ?? ""
            return CredentialFormView.Field(
                name: field.name, label: field.label, help: field.help, inputType: field.secret ? "password" : "text",
                required: field.required && (credential == nil || !field.secret), pattern: field.pattern,
                value: field.secret ? "" : current,
                placeholder: field.secret && credential?.secrets[field.name] != nil ? "Leave blank to keep the current value" : nil,
                error: fieldError[field.name]
            )
        }
        let view = CredentialFormView(
            isNew: credential == nil, isOauth: isOAuth,
            action: isOAuth ? "/oauth/\(provider.id)/start" : (credential.map { "/credentials/\($0.id)" } ?? "/credentials?provider=\(provider.id)"),
            provider: .init(id: provider.id, name: provider.name, docs: provider.docs, authMode: provider.authMode.rawValue),
            name: submitted?["name"] ?? credential?.name ?? "", nameError: nameError, fields: fields
        )
        let title = credential == nil ? (isOAuth ? "Connect \(provider.name)" : "New \(provider.name) credential") : "Edit \(credential?.name ?? "")"
        return renderer.page(view, context: context, tab: .credentials, title: title, error: pageError,
                             status: error == nil ? .ok : .badRequest)
    }
}
