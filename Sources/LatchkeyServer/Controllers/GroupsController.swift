import Hummingbird
import LatchkeyCore

/// `/api/v1/groups`: agent groups, their keys and bindings.
struct GroupsController {
    let groups: GroupService
    /// The largest request body read.
    let limit: Int

    func register(on group: RouterGroup<AppRequestContext>) {
        let groups = groups, limit = limit
        group.post("groups") { request, context in
            let user = try context.requireUser()
            let input = try await JSONBody.decode(GroupInput.self, from: request, limit: limit)
            let created = try await groups.create(owner: user, name: input.name)
            return JSONOutput.response(GroupDTO(created), status: .created)
        }
        group.get("groups") { request, context in
            let user = try context.requireUser()
            let (cursor, limit) = try PageDTO<GroupDTO>.query(request)
            return JSONOutput.response(PageDTO("groups", try await groups.list(owner: user, cursor: cursor, limit: limit)) { GroupDTO($0) })
        }
        group.get("groups/:id") { _, context in
            let user = try context.requireUser()
            let view = try await groups.get(owner: user, id: try context.parameters.require("id"))
            return JSONOutput.response(GroupDTO(view.group, keys: view.keys, bindings: view.bindings))
        }
        group.delete("groups/:id") { _, context in
            let user = try context.requireUser()
            try await groups.delete(owner: user, id: try context.parameters.require("id"))
            return Response(status: .noContent)
        }
        group.post("groups/:id/keys") { _, context in
            let user = try context.requireUser()
            let created = try await groups.createKey(owner: user, groupID: try context.parameters.require("id"))
            return JSONOutput.response(AgentKeyDTO(created.record, key: created.key), status: .created)
        }
        group.get("groups/:id/keys") { request, context in
            let user = try context.requireUser()
            let (cursor, limit) = try PageDTO<AgentKeyDTO>.query(request)
            let page = try await groups.keys(owner: user, groupID: try context.parameters.require("id"), cursor: cursor, limit: limit)
            return JSONOutput.response(PageDTO("keys", page) { AgentKeyDTO($0) })
        }
        group.delete("groups/:id/keys/:keyId") { _, context in
            let user = try context.requireUser()
            try await groups.deleteKey(owner: user, groupID: try context.parameters.require("id"), keyID: try context.parameters.require("keyId"))
            return Response(status: .noContent)
        }
        group.get("groups/:id/bindings") { _, context in
            let user = try context.requireUser()
            return JSONOutput.response(["bindings": try await groups.bindings(owner: user, groupID: try context.parameters.require("id")).map(BindingDTO.init)])
        }
        group.put("groups/:id/bindings/:provider") { request, context in
            let user = try context.requireUser()
            let groupID = try context.parameters.require("id")
            _ = try await groups.owned(owner: user, id: groupID)
            let input = try await JSONBody.decode(BindingInput.self, from: request, limit: limit)
            let binding = try await groups.bind(owner: user, groupID: groupID, provider: try context.parameters.require("provider"),
                                                credentialID: input.credentialID, policy: try input.policy?.policy())
            return JSONOutput.response(BindingDTO(binding))
        }
        group.delete("groups/:id/bindings/:provider") { _, context in
            let user = try context.requireUser()
            try await groups.unbind(owner: user, groupID: try context.parameters.require("id"), provider: try context.parameters.require("provider"))
            return Response(status: .noContent)
        }
        group.allowOnly("groups", [.get, .post])
        group.allowOnly("groups/:id", [.get, .delete])
        group.allowOnly("groups/:id/keys", [.get, .post])
        group.allowOnly("groups/:id/keys/:keyId", [.delete])
        group.allowOnly("groups/:id/bindings", [.get])
        group.allowOnly("groups/:id/bindings/:provider", [.put, .delete])
    }
}
