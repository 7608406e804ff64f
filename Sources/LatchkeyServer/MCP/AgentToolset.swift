import LatchkeyCore

/// The tools of an agent's group: for each bound provider in the catalog, its declared tools and its generic
/// request tool. Built per request, so the list follows the bindings as they change.
struct AgentToolset: Sendable {
    let tools: [AgentTool]

    init(bindings: [Binding], catalog: Catalog) {
        var tools: [AgentTool] = []
        for binding in bindings.sorted(by: { $0.provider < $1.provider }) {
            guard let provider = catalog.provider(binding.provider) else { continue }
            tools += provider.tools.map { AgentTool.declared($0, of: provider) }
            tools.append(.generic(of: provider))
        }
        self.tools = tools
    }

    /// What a tool name refers to, bound or not: a declared or generic tool of a catalog provider, so that calling a
    /// provider the group lacks reaches the proxy path and gets its `credential_missing` answer with the setup link.
    static func lookup(_ name: String, catalog: Catalog) -> Lookup {
        guard let separator = name.firstIndex(of: "_") else { return .unknownProvider(String(name.prefix(64))) }
        let providerID = String(name[..<separator])
        let toolName = String(name[name.index(after: separator)...])
        guard let provider = catalog.provider(providerID) else { return .unknownProvider(String(providerID.prefix(64))) }
        if let tool = provider.tools.first(where: { $0.name == toolName }) { return .tool(.declared(tool, of: provider)) }
        if toolName == AgentTool.genericSuffix { return .tool(.generic(of: provider)) }
        return .unknownTool(provider.id)
    }

    enum Lookup {
        case tool(AgentTool)
        case unknownProvider(String)
        case unknownTool(String)
    }
}
