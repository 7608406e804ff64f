/// A named operation of a provider, exposed to agents as an MCP tool.
public struct ProviderTool: Sendable, Equatable {
    /// The tool's name within its provider.
    public var name: String
    /// What the tool does, for the agent.
    public var description: String
    /// The HTTP method.
    public var method: String
    /// The path under the provider's base URL, with `{argument}` placeholders.
    public var path: String
    /// Arguments sent as query parameters.
    public var query: [String]
    /// The JSON Schema of the tool's input, as JSON text.
    public var inputSchemaJSON: String

    /// Creates a tool.
    public init(name: String, description: String, method: String, path: String, query: [String], inputSchemaJSON: String) {
        self.name = name
        self.description = description
        self.method = method
        self.path = path
        self.query = query
        self.inputSchemaJSON = inputSchemaJSON
    }
}
