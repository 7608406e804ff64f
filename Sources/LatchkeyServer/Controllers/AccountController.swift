import Hummingbird
import LatchkeyCore

/// `/api/v1/warnings`, `/api/v1/audit` and `/api/v1/oauth-apps/{provider}`.
struct AccountController {
    let warnings: WarningService
    let audit: any AuditStore
    let oauthApps: OAuthAppService
    /// Where the OAuth callback is served, shown beside an app as its redirect URI.
    let publicURL: String
    /// The largest request body read.
    let limit: Int

    func register(on group: RouterGroup<AppRequestContext>) {
        let warnings = warnings, audit = audit, oauthApps = oauthApps, publicURL = publicURL, bodyLimit = limit
        group.get("warnings") { _, context in
            let user = try context.requireUser()
            return JSONOutput.response(["warnings": try await warnings.warnings(owner: user).map(WarningDTO.init)])
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
            let events = try await audit.auditEvents(ownerID: user.id, limit: limit, before: before)
            return JSONOutput.response(["events": events.map(AuditEventDTO.init)])
        }
        group.put("oauth-apps/:provider") { request, context in
            let user = try context.requireUser()
            guard user.role == .admin else { throw LatchkeyError.forbidden("only admins set OAuth apps") }
            let input = try await JSONBody.decode(OAuthAppInput.self, from: request, limit: bodyLimit)
            let app = try await oauthApps.put(by: user, provider: try context.parameters.require("provider"),
                                              clientID: input.clientID, clientSecret: input.clientSecret ?? "")
            return JSONOutput.response(OAuthAppDTO(app, redirectURI: "\(publicURL)/oauth/callback"))
        }
        group.allowOnly("warnings", [.get])
        group.allowOnly("audit", [.get])
        group.allowOnly("oauth-apps/:provider", [.put])
    }
}
