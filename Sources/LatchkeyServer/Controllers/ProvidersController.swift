import Hummingbird
import LatchkeyCore

/// `/api/v1/providers`: the catalog with each provider's credential schema, and the caller's own remote MCP servers
/// (added with `POST`, removed with `DELETE`; nobody else sees them).
struct ProvidersController {
    let catalog: Catalog
    /// The users' own remote MCP servers.
    let userProviders: UserProviderService
    /// The largest request body read.
    let limit: Int

    func register(on group: RouterGroup<AppRequestContext>) {
        let catalog = catalog, service = userProviders, limit = limit
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
            let input = try await JSONBody.decode(UserProviderInput.self, from: request, limit: limit)
            let provider = try await service.add(user: user, try input.service())
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

}
