import Hummingbird
import LatchkeyCore

/// `/api/v1/providers`: the catalog with each provider's credential schema, and the caller's own remote MCP servers
/// (added with `POST`, removed with `DELETE`; nobody else sees them).
struct ProvidersController {
    let runtime: LatchkeyRuntime

    func register(on group: RouterGroup<AppRequestContext>) {
        let catalog = runtime.catalog, service = runtime.userProviders, limit = runtime.configuration.apiBodyLimit
        group.get("providers") { _, context in
            let user = try context.requireUser()
            return JSONOutput.response(["providers": catalog.all(visibleTo: user.id).map(ProviderDTO.init)])
        }
        group.get("providers/:id") { _, context in
            let user = try context.requireUser()
            let id = try context.parameters.require("id")
            guard let provider = catalog.provider(id, visibleTo: user.id) else { throw LatchkeyError.notFound("provider '\(id)'") }
            return JSONOutput.response(ProviderDTO(provider))
        }
        group.post("providers") { request, context in
            let user = try context.requireUser()
            let input = try await JSONInput.read(request, limit: limit, allowed: ["id", "name", "mcp", "auth"])
            let mcp = try input.stringMap("mcp", required: true) ?? [:]
            for key in mcp.keys where key != "url" { throw LatchkeyError.validationFailed(field: "mcp.\(key)", message: "'mcp' takes only 'url'") }
            guard let url = mcp["url"] else { throw LatchkeyError.validationFailed(field: "mcp.url", message: "'mcp.url' is required") }
            let auth = try Self.auth(try input.stringMap("auth", required: false) ?? ["mode": "oauth2"])
            let provider = try await service.add(user: user, .init(id: try input.string("id", required: true) ?? "", name: try input.string("name", required: true) ?? "",
                                                                   url: url, auth: auth))
            return JSONOutput.response(ProviderDTO(provider), status: .created)
        }
        group.delete("providers/:id") { _, context in
            let user = try context.requireUser()
            try await service.delete(user: user, id: try context.parameters.require("id"))
            return Response(status: .noContent)
        }
        group.allowOnly("providers", [.get, .post])
        group.allowOnly("providers/:id", [.get, .delete])
    }

    /// `{"mode": "oauth2" | "bearer" | "header" | "none", "header": "X-API-Key"}`.
    static func auth(_ map: [String: String]) throws(LatchkeyError) -> UserProvider.Auth {
        for key in map.keys where key != "mode" && key != "header" {
            throw .validationFailed(field: "auth.\(key)", message: "'auth' takes 'mode' and, for mode header, 'header'")
        }
        switch map["mode"] {
        case "oauth2"?: return .oauth2
        case "bearer"?: return .bearer
        case "none"?: return .none
        case "header"?:
            guard let header = map["header"] else { throw .validationFailed(field: "auth.header", message: "mode 'header' needs 'header', the header's name") }
            return .header(header)
        default: throw .validationFailed(field: "auth.mode", message: "'auth.mode' is one of oauth2, bearer, header, none")
        }
    }
}
