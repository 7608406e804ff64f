import LatchkeyCore
import NIOConcurrencyHelpers

/// The MCP tools every provider of the catalog contributes: its declared operations and its generic request tool,
/// each with its input schema decoded once. A provider's tools are built the first time an agent needs them and kept
/// for the life of the process (the catalog does not change while it runs); which providers an agent sees is read
/// from its group's bindings on every request.
final class ToolCatalog: Sendable {
    let catalog: Catalog
    private let built = NIOLockedValueBox<[String: [AgentTool]]>([:])

    init(catalog: Catalog) {
        self.catalog = catalog
    }

    /// The provider's tools: declared ones in file order, then `{id}_request`.
    func tools(of provider: Provider) -> [AgentTool] {
        if let tools = built.withLockedValue({ $0[provider.id] }) { return tools }
        let tools = provider.tools.map { AgentTool.declared($0, of: provider) } + [.generic(of: provider)]
        built.withLockedValue { $0[provider.id] = tools }
        return tools
    }

    /// The tools of a group with these bindings, by provider id, less those a binding's policy leaves out; bindings to
    /// providers outside the catalog add none.
    func tools(for bindings: [Binding]) -> [AgentTool] {
        bindings.sorted { $0.provider < $1.provider }.flatMap { binding -> [AgentTool] in
            guard let provider = catalog.provider(binding.provider), !Self.isOnlyRemote(provider) else { return [] }
            return tools(of: provider).filter { binding.policy?.allows(tool: $0.bareName) ?? true }
        }
    }

    /// What a tool name refers to, bound or not: a declared or generic tool of a catalog provider, so that calling a
    /// provider the group lacks reaches the proxy path and gets its `credential_missing` answer with the setup link.
    func lookup(_ name: String) -> Lookup {
        guard let separator = name.firstIndex(of: "_") else { return .unknownProvider(String(name.prefix(64))) }
        let providerID = String(name[..<separator])
        guard let provider = catalog.provider(providerID) else { return .unknownProvider(String(providerID.prefix(64))) }
        // A remote MCP server's tool names are the server's, `request` included: none of them is Latchkey's.
        guard !Self.isOnlyRemote(provider) else { return .unknownTool(provider.id) }
        guard let tool = tools(of: provider).first(where: { $0.name == name }) else { return .unknownTool(provider.id) }
        return .tool(tool)
    }

    /// A remote MCP server without an API of its own: its tools are the server's (`RemoteToolset`), not Latchkey's.
    static func isOnlyRemote(_ provider: Provider) -> Bool {
        provider.mcp.map { $0.url == provider.baseURL.source } ?? false
    }

    enum Lookup {
        case tool(AgentTool)
        case unknownProvider(String)
        case unknownTool(String)
    }
}
