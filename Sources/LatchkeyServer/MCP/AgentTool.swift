import Foundation
import LatchkeyCore
import MCP

/// One tool an agent sees: a provider's declared operation, or the provider's generic request tool.
struct AgentTool: Sendable {
    enum Kind: Sendable {
        case declared(ProviderTool)
        case generic
    }

    /// `{provider}_{tool}` or `{provider}_request`. Provider ids have no `_`, so the first `_` separates the two.
    let name: String
    let provider: Provider
    let kind: Kind
    let description: String
    /// The input JSON Schema as JSON text.
    let inputSchemaJSON: String
    /// The tool as MCP lists it, its schema decoded.
    let mcp: Tool

    /// The name without its provider: what binding policies list (`request` for the generic tool).
    var bareName: String { String(name.dropFirst(provider.id.count + 1)) }

    init(name: String, provider: Provider, kind: Kind, description: String, inputSchemaJSON: String) {
        self.name = name
        self.provider = provider
        self.kind = kind
        self.description = description
        self.inputSchemaJSON = inputSchemaJSON
        let schema = (try? JSONDecoder().decode(Value.self, from: Data(inputSchemaJSON.utf8))) ?? .object(["type": .string("object")])
        let readOnly: Bool? = switch kind {
        case .declared(let declared): declared.method == "GET"
        case .generic: nil
        }
        mcp = Tool(name: name, description: description, inputSchema: schema, annotations: .init(readOnlyHint: readOnly, openWorldHint: true))
    }

    static let genericSuffix = "request"

    static func declared(_ tool: ProviderTool, of provider: Provider) -> AgentTool {
        AgentTool(name: "\(provider.id)_\(tool.name)", provider: provider, kind: .declared(tool),
                  description: "\(provider.name): \(tool.description) (\(tool.method) \(tool.path))", inputSchemaJSON: tool.inputSchemaJSON)
    }

    static func generic(of provider: Provider) -> AgentTool {
        let description = """
            \(provider.name): any HTTP request to its API, sent with the bound credential (which you never see). \
            'path' is relative to \(provider.baseURL.source) and starts with '/'; 'query' is an object of parameters; \
            'body' is sent as JSON (or as is, when a string).
            """
        return AgentTool(name: "\(provider.id)_\(genericSuffix)", provider: provider, kind: .generic, description: description, inputSchemaJSON: genericSchema)
    }

    static let genericSchema = [
        #"{"type":"object","properties":{"#,
        #""method":{"type":"string","enum":["GET","POST","PUT","PATCH","DELETE","HEAD"],"description":"HTTP method"},"#,
        #""path":{"type":"string","description":"path under the provider's base URL, starting with '/'"},"#,
        #""query":{"type":"object","additionalProperties":{"type":["string","number","integer","boolean"]},"description":"query parameters"},"#,
        #""headers":{"type":"object","additionalProperties":{"type":"string"},"description":"extra request headers (credentials are added by Latchkey)"},"#,
        #""body":{"description":"request body: JSON, or a string sent as is"}},"#,
        #""required":["method","path"],"additionalProperties":false}"#,
    ].joined()
}
