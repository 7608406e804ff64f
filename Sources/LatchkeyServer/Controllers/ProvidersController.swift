import Hummingbird
import LatchkeyCore

/// `GET /api/v1/providers[/{id}]`: the catalog with each provider's credential schema.
struct ProvidersController {
    let catalog: Catalog

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("providers") { _, _ in
            JSONOutput.response(["providers": catalog.all.map(ProviderDTO.init)])
        }
        group.get("providers/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let provider = catalog.provider(id) else { throw LatchkeyError.notFound("provider '\(id)'") }
            return JSONOutput.response(ProviderDTO(provider))
        }
        group.allowOnly("providers", [.get])
        group.allowOnly("providers/:id", [.get])
    }
}
