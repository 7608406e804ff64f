import Foundation
import LatchkeyCore

/// A provider as the API shows it, with its credential schema.
struct ProviderDTO: Encodable {
    struct Field: Encodable {
        let name: String, label: String, secret: Bool, required: Bool, pattern: String?, help: String?
    }
    struct Tool: Encodable {
        let name: String, description: String, method: String, path: String
    }
    let id: String, name: String, authMode: String, docs: String?, description: String?, baseURL: String
    let fields: [Field], tools: [Tool], scopes: [String]?
    /// `{"url": …}` for a remote MCP server.
    let mcp: [String: String]?

    enum CodingKeys: String, CodingKey {
        case id, name, docs, description, fields, tools, scopes, mcp
        case authMode = "auth_mode", baseURL = "base_url"
    }

    init(_ p: Provider) {
        id = p.id
        name = p.name
        authMode = p.authMode.rawValue
        docs = p.docs
        description = p.description
        baseURL = p.baseURL.source
        fields = p.fields.map { Field(name: $0.name, label: $0.label, secret: $0.secret, required: $0.required, pattern: $0.pattern, help: $0.help) }
        tools = p.tools.map { Tool(name: $0.name, description: $0.description, method: $0.method, path: $0.path) }
        scopes = p.oauth?.scopes
        mcp = p.mcp.map { ["url": $0.url] }
    }
}
