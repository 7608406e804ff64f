import Hummingbird
import LatchkeyCore

/// `/api/v1/credentials`: static credentials and imported OAuth tokens, always masked on the way out.
struct CredentialsController {
    let credentials: CredentialService
    /// Fetches a client-credentials credential's first token as it is created.
    let refresher: Refresher
    /// Deletes a credential, revoking its tokens at the provider first.
    let revocation: RevocationService
    /// The largest request body read.
    let limit: Int

    func register(on group: RouterGroup<AppRequestContext>) {
        let credentials = credentials, refresher = refresher, revocation = revocation, limit = limit
        group.post("credentials") { request, context in
            let user = try context.requireUser()
            let input = try await JSONBody.decode(CredentialCreateInput.self, from: request, limit: limit)
            var view = try await credentials.create(owner: user, provider: input.provider, name: input.name, fields: try input.fieldValues())
            if view.authMode == .oauth2ClientCredentials {
                // Fetch the first token now, so a misconfigured app shows at once rather than on the first agent call.
                try await refresher.refreshNow(credentialID: view.id)
                view = try await credentials.get(owner: user, id: view.id)
            }
            return JSONOutput.response(CredentialDTO(view), status: .created)
        }
        group.get("credentials") { request, context in
            let user = try context.requireUser()
            let (cursor, limit) = try PageDTO<CredentialDTO>.query(request)
            return JSONOutput.response(PageDTO("credentials", try await credentials.list(owner: user, cursor: cursor, limit: limit), CredentialDTO.init))
        }
        group.get("credentials/:id") { _, context in
            let user = try context.requireUser()
            return JSONOutput.response(CredentialDTO(try await credentials.get(owner: user, id: try context.parameters.require("id"))))
        }
        group.patch("credentials/:id") { request, context in
            let user = try context.requireUser()
            let id = try context.parameters.require("id")
            // Ownership first: another user's id answers 404 before its body is even looked at.
            _ = try await credentials.owned(owner: user, id: id)
            let input = try await JSONBody.decode(CredentialUpdateInput.self, from: request, limit: limit)
            let view = try await credentials.update(owner: user, id: id, name: input.name, fields: try input.fieldValues())
            return JSONOutput.response(CredentialDTO(view))
        }
        group.delete("credentials/:id") { _, context in
            let user = try context.requireUser()
            try await revocation.delete(owner: user, id: try context.parameters.require("id"))
            return Response(status: .noContent)
        }
        group.allowOnly("credentials", [.get, .post])
        group.allowOnly("credentials/:id", [.get, .patch, .delete])
    }
}
