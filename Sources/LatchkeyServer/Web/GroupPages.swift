import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore

/// `/groups`: agent groups, their keys (shown once), bindings, and what their agents asked for in vain; the page
/// of a group also shows its rules, budget, usage, pending approvals and refusals (`GroupControls`).
struct GroupPages: DashboardPages {
    let groups: GroupService
    let credentials: CredentialService
    let warnings: WarningService
    let catalog: Catalog
    /// The group's policy, budget and approvals, shown on its page.
    let controls: GroupControls
    /// Where agents are told to call: the proxy and `/mcp` under it.
    let publicURL: String
    let renderer: PageRenderer

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("groups") { request, context in
            try await list(request: request, context: context, error: nil)
        }
        group.post("groups") { request, context in
            let user = try context.requireUser()
            let form = try await context.form(request)
            do {
                let created = try await groups.create(owner: user, name: form["name"] ?? "")
                return PageRenderer.redirect("/groups/\(created.id)?notice=group_created")
            } catch let error as LatchkeyError {
                return try await list(request: request, context: context, error: APIError.from(domain: error).message)
            }
        }

        group.get("groups/:id") { request, context in
            try await page(request: request, context: context, newKey: nil)
        }
        group.post("groups/:id/delete") { request, context in
            let user = try context.requireUser()
            _ = try await context.form(request)
            try await groups.delete(owner: user, id: try context.parameters.require("id"))
            return PageRenderer.redirect("/groups?notice=group_deleted")
        }
        group.post("groups/:id/keys") { request, context in
            let user = try context.requireUser()
            _ = try await context.form(request)
            let created = try await groups.createKey(owner: user, groupID: try context.parameters.require("id"))
            // The one time the key exists outside the agent: rendered directly, never put in a URL or a redirect.
            return try await page(request: request, context: context, newKey: created.key)
        }
        group.post("groups/:id/keys/:keyId/delete") { request, context in
            let user = try context.requireUser()
            _ = try await context.form(request)
            let id = try context.parameters.require("id")
            try await groups.deleteKey(owner: user, groupID: id, keyID: try context.parameters.require("keyId"))
            return PageRenderer.redirect("/groups/\(id)?notice=key_revoked")
        }
        group.post("groups/:id/bindings/:provider") { request, context in
            let user = try context.requireUser()
            let form = try await context.form(request)
            let id = try context.parameters.require("id")
            _ = try await groups.bind(owner: user, groupID: id, provider: try context.parameters.require("provider"), credentialID: form["credential_id"] ?? "")
            return PageRenderer.redirect("/groups/\(id)?notice=bound")
        }
        group.post("groups/:id/bindings/:provider/delete") { request, context in
            let user = try context.requireUser()
            _ = try await context.form(request)
            let id = try context.parameters.require("id")
            try await groups.unbind(owner: user, groupID: id, provider: try context.parameters.require("provider"))
            return PageRenderer.redirect("/groups/\(id)?notice=unbound")
        }
    }

    func list(request: Request, context: AppRequestContext, error: String?) async throws -> Response {
        let user = try context.requireUser()
        let warnings = try await self.warnings.warnings(owner: user)
        var rows: [GroupsView.Row] = []
        let page = try await groups.list(owner: user, cursor: FormInput.query(request)["cursor"], limit: nil)
        for g in page.items {
            let view = try await groups.get(owner: user, id: g.id)
            rows.append(.init(id: g.id, name: g.name, url: "/groups/\(g.id)", createdAt: PageRenderer.date(g.createdAt),
                              keyCount: view.keys.count, bindingCount: view.bindings.count,
                              warningCount: warnings.filter { $0.groupID == g.id }.count))
        }
        let view = GroupsView(groups: rows, nextURL: page.nextCursor.map { "/groups?cursor=" + TokenRequester.formEncode($0) })
        return renderer.page(view, context: context, tab: .groups, title: "Agent groups",
                             notice: Notices.text(for: request.uri.queryParameters["notice"]), error: error, status: error == nil ? .ok : .badRequest)
    }

    func page(request: Request, context: AppRequestContext, newKey: String?, entered: GroupControls.Entered = .init(),
              status: HTTPResponse.Status = .ok) async throws -> Response {
        let user = try context.requireUser()
        let view = try await groups.get(owner: user, id: try context.parameters.require("id"))
        let id = view.group.id
        let credentials = try await self.credentials.list(owner: user)
        let byID = Dictionary(uniqueKeysWithValues: credentials.map { ($0.id, $0) })
        let warnings = try await self.warnings.warnings(owner: user)
        let highlighted = FormInput.query(request)["bind"]
        let bound = Set(view.bindings.map(\.provider))

        let bindings = view.bindings.map { binding in
            let credential = byID[binding.credentialID]
            let badge = CredentialStatusBadge(credential?.status ?? .revoked)
            return GroupView.BoundCredential(provider: binding.provider, providerName: name(binding.provider), credentialName: credential?.name,
                                             status: credential?.status.rawValue ?? "missing", statusLabel: badge.label, statusClass: badge.cssClass,
                                             unbindAction: "/groups/\(id)/bindings/\(binding.provider)/delete")
        }
        // Providers the user can bind: those with a credential, those agents asked for, and the ?bind= target.
        var providers = Set(credentials.map(\.provider)).subtracting(bound)
        for warning in warnings where warning.groupID == id && warning.kind == "credential_missing" && !bound.contains(warning.provider) {
            providers.insert(warning.provider)
        }
        if let highlighted, catalog.provider(highlighted) != nil, !bound.contains(highlighted) { providers.insert(highlighted) }
        let bindable = providers.sorted().map { provider in
            let options = credentials.filter { $0.provider == provider }.map { GroupView.Bindable.Option(id: $0.id, name: $0.name) }
            return GroupView.Bindable(provider: provider, providerName: name(provider), highlighted: provider == highlighted, credentials: options,
                                      hasCredentials: !options.isEmpty, newCredentialURL: "/credentials/new?provider=\(provider)",
                                      bindAction: "/groups/\(id)/bindings/\(provider)")
        }
        var groupWarnings = warnings.filter { $0.groupID == id }.map {
            let (url, label) = fix($0, groupID: id)
            return GroupView.Warning(kind: $0.kind, message: $0.message, fixURL: url, fixLabel: label)
        }
        for binding in view.bindings {
            if let warning = warnings.first(where: { $0.credentialID == binding.credentialID }) {
                groupWarnings.append(.init(kind: warning.kind, message: warning.message, fixURL: "/credentials/\(binding.credentialID)/reconnect", fixLabel: "Reconnect"))
            }
        }
        var page = GroupView(
            group: .init(id: id, name: view.group.name),
            keys: view.keys.map { .init(id: $0.id, prefix: "lka_" + $0.prefix + "…", createdAt: PageRenderer.date($0.createdAt), revokeAction: "/groups/\(id)/keys/\($0.id)/delete") },
            keyAction: "/groups/\(id)/keys", bindings: bindings, bindable: bindable, warnings: groupWarnings, deleteAction: "/groups/\(id)/delete",
            controls: try await controls.view(user: user, groupID: id, bindings: view.bindings, entered: entered)
        )
        if let newKey {
            page.newKey = newKey
            page.proxyURL = publicURL + "/v1/proxy/"
            page.mcpURL = publicURL + "/mcp"
        }
        return renderer.page(page, context: context, tab: .groups, title: view.group.name,
                             notice: newKey == nil ? Notices.text(for: request.uri.queryParameters["notice"]) : "Agent key created.",
                             error: entered.error.map { "Nothing was saved. " + $0.message }, status: status)
    }

    /// Where a warning about this group is fixed: the budget, the approval page, or the bind form.
    func fix(_ warning: Warning, groupID: String) -> (url: String, label: String) {
        switch warning.kind {
        case "budget_exceeded": ("/groups/\(groupID)#budget", "See the budget")
        case "approval_requested": (URL(string: warning.setupURL)?.path ?? "/approvals", "Approve or deny")
        default: ("/groups/\(groupID)?bind=\(warning.provider)#bind-target", "Bind a credential for \(name(warning.provider))")
        }
    }

    func name(_ provider: String) -> String { catalog.provider(provider)?.name ?? provider }
}
