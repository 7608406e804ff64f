import Hummingbird
import LatchkeyCore

/// `/api/v1/webhooks`: a user's signed event endpoints (admins: also endpoints for all users) and their delivery logs.
struct WebhooksController {
    let webhooks: WebhookService
    /// The largest request body read.
    let limit: Int

    func register(on group: RouterGroup<AppRequestContext>) {
        let webhooks = webhooks
        let limit = limit
        group.post("webhooks") { request, context in
            let user = try context.requireUser()
            let input = try await JSONBody.decode(WebhookInput.self, from: request, limit: limit)
            let (endpoint, secret) = try await webhooks.create(user: user, input.service)
            return JSONOutput.response(WebhookDTO(endpoint, secret: secret), status: .created)
        }
        group.get("webhooks") { _, context in
            let user = try context.requireUser()
            return JSONOutput.response(["webhooks": try await webhooks.list(user: user).map { WebhookDTO($0) }])
        }
        group.get("webhooks/:id") { _, context in
            let user = try context.requireUser()
            return JSONOutput.response(WebhookDTO(try await webhooks.endpoint(user: user, id: try context.parameters.require("id"))))
        }
        group.patch("webhooks/:id") { request, context in
            let user = try context.requireUser()
            let id = try context.parameters.require("id")
            // Visibility first: another user's id answers 404 before its body is even looked at.
            _ = try await webhooks.endpoint(user: user, id: id)
            let input = try await JSONBody.decode(WebhookUpdateInput.self, from: request, limit: limit)
            return JSONOutput.response(WebhookDTO(try await webhooks.update(user: user, id: id, input.service)))
        }
        group.delete("webhooks/:id") { _, context in
            let user = try context.requireUser()
            try await webhooks.delete(user: user, id: try context.parameters.require("id"))
            return Response(status: .noContent)
        }
        group.get("webhooks/:id/deliveries") { request, context in
            let user = try context.requireUser()
            let (cursor, limit) = try PageDTO<WebhookDeliveryDTO>.query(request)
            let page = try await webhooks.deliveries(user: user, id: try context.parameters.require("id"), limit: limit, cursor: cursor)
            return JSONOutput.response(PageDTO("deliveries", page, WebhookDeliveryDTO.init))
        }
        group.allowOnly("webhooks", [.get, .post])
        group.allowOnly("webhooks/:id", [.get, .patch, .delete])
        group.allowOnly("webhooks/:id/deliveries", [.get])
    }
}
