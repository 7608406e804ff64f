/// One integration an agent can call, loaded from `providers/<id>.yaml`.
public struct Provider: Sendable, Equatable {
    /// The id: the provider file's name without `.yaml`.
    public var id: String
    /// The display name.
    public var name: String
    /// A link to the provider's API documentation.
    public var docs: String?
    /// A one-line description.
    public var description: String?
    /// How the provider authenticates.
    public var authMode: AuthMode
    /// OAuth settings, for the OAuth modes.
    public var oauth: OAuthSettings?
    /// The credential schema.
    public var fields: [CredentialField]
    /// The base URL template every proxied request stays under.
    public var baseURL: Template
    /// How the credential is put onto requests.
    public var injection: Injection
    /// Fixed headers and query parameters an agent's own may replace.
    public var defaults: RequestDefaults
    /// When the API version the file pins was released and stops being supported, if it pins one.
    public var apiVersion: APIVersionPin?
    /// Named operations.
    public var tools: [ProviderTool]
    /// The remote MCP server this provider stands for, if any.
    public var mcp: RemoteMCPServer?
    /// The user who added the provider (a remote MCP server of their own); nil for the catalog's. A user's provider
    /// is not trusted like an operator's file: its URL must be https at a public address, like everything it names.
    public var ownerID: String?
    /// The file the provider was loaded from.
    public var sourceFile: String
    /// The parsed base URL when it has no template variables (most providers): parsed once, not per request.
    public private(set) var staticBaseURL: BaseURL?
    /// Whether the base URL's host comes from credential values (a shop, a subdomain, an instance URL).
    public let hostFromCredential: Bool

    /// Creates a provider.
    public init(
        id: String, name: String, docs: String? = nil, description: String? = nil, authMode: AuthMode, oauth: OAuthSettings? = nil,
        fields: [CredentialField], baseURL: Template, injection: Injection, defaults: RequestDefaults = RequestDefaults(),
        apiVersion: APIVersionPin? = nil, tools: [ProviderTool] = [], mcp: RemoteMCPServer? = nil, sourceFile: String = ""
    ) {
        self.id = id
        self.name = name
        self.docs = docs
        self.description = description
        self.authMode = authMode
        self.oauth = oauth
        self.fields = fields
        self.baseURL = baseURL
        self.injection = injection
        self.defaults = defaults
        self.apiVersion = apiVersion
        self.tools = tools
        self.mcp = mcp
        self.sourceFile = sourceFile
        staticBaseURL = baseURL.variables.isEmpty ? try? RequestInjector.parseBaseURL(baseURL.source, allowHTTPAnywhere: true) : nil
        hostFromCredential = URLTemplateHost.isFilledFromValues(baseURL.source)
    }

    /// The provider as its remote MCP server's traffic sees it: the MCP URL as its base URL (the same provider when
    /// the file declares no separate `proxy.base_url`); nil for providers without `mcp`.
    public var mcpEndpoint: Provider? {
        guard let mcp else { return nil }
        guard baseURL.source != mcp.url, let template = try? Template(mcp.url) else { return self }
        var endpoint = self
        endpoint.baseURL = template
        endpoint.staticBaseURL = try? RequestInjector.parseBaseURL(mcp.url, allowHTTPAnywhere: true)
        return endpoint
    }

    /// The schema field with this name, if declared.
    public func field(named name: String) -> CredentialField? { fields.first { $0.name == name } }

    /// Template variables a credential of this provider can supply.
    public var availableVariables: Set<String> {
        var names = Set(fields.map(\.name))
        if let oauth {
            names.insert("access_token")
            names.formUnion(oauth.tokenFields)
            names.formUnion(oauth.connectValues.map(\.name))
            // The client id a token was issued to, kept at connect (Twitch wants it in a Client-Id header).
            if authMode == .oauth2 { names.insert(DiscoveredClients.clientField) }
        }
        return names
    }
}
