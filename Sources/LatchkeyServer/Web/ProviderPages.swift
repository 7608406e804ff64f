import Foundation
import Hummingbird
import LatchkeyCore

/// `/providers`: the catalog (searchable) and the user's own remote MCP servers, added and removed here.
struct ProviderPages: DashboardPages {
    let catalog: Catalog
    /// The users' own remote MCP servers.
    let userProviders: UserProviderService
    let renderer: PageRenderer

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("providers") { request, context in
            try await providers(request: request, context: context, error: nil, input: [:])
        }
        // A user's own remote MCP server, from the form on /providers (the API's `POST /api/v1/providers`).
        group.post("providers/mcp") { request, context in
            let user = try context.requireUser()
            let form = try await context.form(request)
            do {
                let mode = form["auth_mode"] ?? "oauth2"
                let auth = try ProviderAuthInput(mode: mode, header: mode == "header" ? form["auth_header"] ?? "" : nil).auth()
                _ = try await userProviders.add(user: user, .init(id: form["id"] ?? "", name: form["name"] ?? "", url: form["url"] ?? "", auth: auth))
                return PageRenderer.redirect("/providers?notice=server_added#own-servers")
            } catch let error as LatchkeyError {
                return try await providers(request: request, context: context, error: APIError.from(domain: error).message, input: form.values)
            }
        }
        group.post("providers/:id/delete") { request, context in
            let user = try context.requireUser()
            _ = try await context.form(request)
            do {
                try await userProviders.delete(user: user, id: try context.parameters.require("id"))
                return PageRenderer.redirect("/providers?notice=server_deleted#own-servers")
            } catch let error as LatchkeyError {
                return try await providers(request: request, context: context, error: APIError.from(domain: error).message, input: [:])
            }
        }
    }

    /// The providers page: the catalog (searchable) and the user's own remote MCP servers with the form that adds one.
    func providers(request: Request, context: AppRequestContext, error: String?, input: [String: String]) async throws -> Response {
        let user = try context.requireUser()
        let q = FormInput.query(request)["q"] ?? ""
        let rows = Self.matching(catalog, q).map { p in
            ProvidersView.Row(id: p.id, name: p.name, authMode: p.authMode.rawValue, authLabel: Self.authLabel(p.authMode) + (p.mcp == nil ? "" : " · MCP server"),
                              docs: p.docs, description: p.description, baseURL: p.baseURL.source,
                              fields: p.fields.map { .init(name: $0.name, label: $0.label, secret: $0.secret) })
        }
        let own = catalog.overlay.owned(by: user.id).sorted { $0.id < $1.id }.map { p in
            ProvidersView.OwnServer(id: p.id, name: p.name, url: p.mcp?.url ?? "", authLabel: Self.authLabel(p.authMode))
        }
        let view = ProvidersView(q: q, providers: rows, ownServers: own, inputID: input["id"], inputName: input["name"],
                                 inputURL: input["url"], inputHeader: input["auth_header"])
        return renderer.page(view, context: context, tab: .providers, title: "Providers",
                             notice: Notices.text(for: request.uri.queryParameters["notice"]), error: error, status: error == nil ? .ok : .badRequest)
    }

    /// Providers whose id, name or description contains every word of `query`.
    static func matching(_ catalog: Catalog, _ query: String) -> [Provider] {
        let words = query.lowercased().split(separator: " ")
        return catalog.all.filter { provider in
            let haystack = "\(provider.id) \(provider.name) \(provider.description ?? "") \(provider.authMode.rawValue)".lowercased()
            return words.allSatisfy { haystack.contains($0) }
        }
    }

    static func authLabel(_ mode: AuthMode) -> String {
        switch mode {
        case .oauth2: "OAuth"
        case .oauth2ClientCredentials: "OAuth (client credentials)"
        case .apiKey: "API key"
        case .basic: "Username and password"
        case .custom: "Custom"
        case .none: "None"
        }
    }
}
