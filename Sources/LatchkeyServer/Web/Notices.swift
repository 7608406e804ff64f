/// Success messages after a redirect, by code (`?notice=created`): codes in the URL, text from here, so a link can
/// never put arbitrary words on a Latchkey page.
enum Notices {
    static let text: [String: String] = [
        "welcome": "Welcome! You are the first admin. Add a credential to get started.",
        "created": "Credential saved. Its secret values are encrypted and will not be shown again.",
        "updated": "Credential updated.",
        "deleted": "Credential deleted.",
        "connected": "Connected. The account's tokens are stored encrypted and will be kept fresh.",
        "reconnected": "Reconnected. Agents bound to this credential can use it again.",
        "group_created": "Agent group created.",
        "group_deleted": "Agent group deleted.",
        "key_revoked": "Agent key revoked.",
        "bound": "Credential bound. The group's agents can call this provider now.",
        "unbound": "Binding removed.",
        "app_saved": "OAuth app saved.",
        "rules_saved": "Rules saved. They apply to the group's next calls.",
        "budget_saved": "Budget saved. It applies to the group's next calls.",
        "approved": "Approved. The agent's next call of this kind goes through.",
        "denied": "Denied. The agent keeps getting policy_denied for this call.",
        "server_added": "Remote MCP server added. Create a credential for it (Connect, for OAuth), then bind it to a group.",
        "server_deleted": "Remote MCP server removed.",
        "webhook_deleted": "Webhook endpoint deleted, with its delivery log.",
        "webhook_enabled": "Webhook endpoint turned on. Deliveries that waited are sent now, in order.",
        "webhook_disabled": "Webhook endpoint turned off. It gets no new events; pending deliveries wait until it is on again.",
    ]

    static func text(for code: Substring?) -> String? { code.flatMap { text[String($0)] } }
}
