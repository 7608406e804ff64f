/// The dashboard links that `setup_url` values lead to.
public struct SetupLinks: Sendable {
    /// The public base URL, without a trailing slash.
    public let publicURL: String

    /// Creates links under `publicURL`.
    public init(publicURL: String) {
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
    }

    /// Where a user binds a credential for `provider` into group `groupID`.
    public func bind(groupID: String, provider: String) -> String { "\(publicURL)/groups/\(groupID)?bind=\(provider)" }
    /// A start link of a consent flow prepared through the API.
    public func startLink(ticket: String) -> String { "\(publicURL)/oauth/start/\(ticket)" }
    /// A group's budget, rules and usage.
    public func budget(groupID: String) -> String { "\(publicURL)/groups/\(groupID)#budget" }
    /// Where an owner decides an approval request.
    public func approval(id: String) -> String { "\(publicURL)/approvals/\(id)" }
    /// Where a user reconnects an OAuth credential.
    public func reconnect(credentialID: String) -> String { "\(publicURL)/credentials/\(credentialID)/reconnect" }
    /// Where a user reconnects an OAuth credential asking for more scopes (a remote MCP server's step-up).
    public func reconnect(credentialID: String, addingScopes scopes: [String]) -> String {
        let safe = scopes.filter { !$0.isEmpty && $0.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f } }
        guard !safe.isEmpty else { return reconnect(credentialID: credentialID) }
        return reconnect(credentialID: credentialID) + "?scopes=" + safe.map(TokenRequester.formEncode).joined(separator: "+")
    }
    /// The OAuth redirect URI: `{public_url}/oauth/callback`.
    public var callback: String { "\(publicURL)/oauth/callback" }
    /// Latchkey's OAuth client ID metadata document.
    public var clientMetadataDocument: String { "\(publicURL)/oauth/client-metadata.json" }

    /// The link that fixes a group's binding for `provider` whose credential is `credential`: bind one when there is
    /// none, reconnect it when it needs consent; nil when it works.
    public func fix(for credential: Credential?, groupID: String, provider: String) -> String? {
        switch credential?.status {
        case nil: bind(groupID: groupID, provider: provider)
        case .needsReauth?, .revoked?: credential.map { reconnect(credentialID: $0.id) }
        case .active?, .refreshFailing?: nil
        }
    }
}
