import Hummingbird
import LatchkeyCore

/// `/api/v1/warnings`, `/api/v1/audit` and `/api/v1/oauth-apps/{provider}`.
struct AccountController {
    let runtime: LatchkeyRuntime

    func register(on group: RouterGroup<AppRequestContext>) {
        let runtime = runtime
        group.get("warnings") { _, context in
            let user = try context.requireUser()
            return JSONOutput.response(["warnings": try await runtime.warnings.warnings(owner: user).map(WarningDTO.init)])
        }
        group.get("audit") { request, context in
            let user = try context.requireUser()
            let query = request.uri.queryParameters
            var limit = 50
            if let text = query["limit"] {
                guard let value = Int(text), (1...500).contains(value) else { throw LatchkeyError.validationFailed(field: "limit", message: "'limit' must be between 1 and 500") }
                limit = value
            }
            let before = query["before"].map(String.init)
            let events = try await runtime.store.auditEvents(ownerID: user.id, limit: limit, before: before)
            return JSONOutput.response(["events": events.map(AuditEventDTO.init)])
        }
        group.put("oauth-apps/:provider") { request, context in
            let user = try context.requireUser()
            guard user.role == .admin else { throw LatchkeyError.forbidden("only admins set OAuth apps") }
            let input = try await JSONBody.decode(OAuthAppInput.self, from: request, limit: runtime.configuration.apiBodyLimit)
            let app = try await runtime.oauthApps.put(by: user, provider: try context.parameters.require("provider"),
                                                      clientID: input.clientID, clientSecret: input.clientSecret ?? "")
            return JSONOutput.response(OAuthAppDTO(app, redirectURI: "\(runtime.configuration.publicURL)/oauth/callback"))
        }
        group.allowOnly("warnings", [.get])
        group.allowOnly("audit", [.get])
        group.allowOnly("oauth-apps/:provider", [.put])
    }
}
