import Foundation
import LatchkeyCore
import Logging
import MCP

/// The tools of remote MCP servers as `/mcp` shows them: each bound server's tools renamed `{provider}_{tool}`,
/// less those the binding's policy leaves out, and calls to them forwarded unchanged.
struct RemoteToolset: Sendable {
    let client: RemoteMCPClient
    let catalog: Catalog

    /// The remote tools of a group with these bindings. A server that cannot list now (consent needed, down) adds
    /// none: the listing is not refused for it, and calling its tools answers why.
    func tools(for bindings: [Binding], bearer: String?, logger: Logger) async -> [Tool] {
        let remote = bindings.compactMap { binding in catalog.provider(binding.provider).flatMap { $0.mcp == nil ? nil : ($0, binding.policy) } }
        guard !remote.isEmpty else { return [] }
        return await withTaskGroup(of: (String, [Tool]).self) { group in
            for (provider, policy) in remote {
                group.addTask {
                    do {
                        let tools = try await client.tools(bearer: bearer, provider: provider)
                        return (provider.id, tools.filter { policy?.allows(tool: $0.name) ?? true }.map { Self.renamed($0, provider: provider) })
                    } catch {
                        logger.notice("Remote MCP tools unavailable", metadata: ["provider": "\(provider.id)", "error": "\(APIError.from(error).code)"])
                        return (provider.id, [])
                    }
                }
            }
            var byProvider: [String: [Tool]] = [:]
            for await (id, tools) in group { byProvider[id] = tools }
            return byProvider.keys.sorted().flatMap { byProvider[$0] ?? [] }
        }
    }

    /// Whether `name` names a tool of a remote MCP server: `{provider}_{tool}` with a provider that has `mcp`.
    func provider(ofTool name: String) -> (Provider, String)? {
        guard let separator = name.firstIndex(of: "_") else { return nil }
        guard let provider = catalog.provider(String(name[..<separator])), provider.mcp != nil else { return nil }
        let bare = String(name[name.index(after: separator)...])
        return bare.isEmpty ? nil : (provider, bare)
    }

    /// Calls a remote tool; the JSON of its tool result as the server sent it, or of Latchkey's refusal as a tool
    /// result (`isError`, the code and the link that fixes it).
    func call(provider: Provider, tool: String, argumentsJSON: Data?, bearer: String?, logger: Logger) async -> Data {
        do {
            return Self.toolResult(try await client.call(bearer: bearer, provider: provider, name: tool, argumentsJSON: argumentsJSON))
        } catch {
            return Self.toolResult(failure: error, provider: provider, logger: logger)
        }
    }

    /// The tool result in a server's reply: its `result` as it came, or its JSON-RPC error (an unknown tool, bad
    /// arguments) as a tool result the agent can read.
    static func toolResult(_ reply: RemoteReply) -> Data {
        if let result = reply.resultJSON { return Data(result) }
        let text = "The MCP server refused the call" + (reply.errorMessage.map { ": \($0.prefix(2000))" } ?? "")
        return (try? RemoteMCPClient.json(["content": [["type": "text", "text": text]], "isError": true] as [String: Any])) ?? Data()
    }

    /// Latchkey's refusal or a transport failure as a tool result (`isError`, the code and the link that fixes it).
    static func toolResult(failure error: any Error, provider: Provider, logger: Logger) -> Data {
        let apiError = APIError.from(error)
        if apiError.isServerFault {
            logger.error("Remote MCP tool call failed", metadata: ["provider": "\(provider.id)", "error.type": "\(type(of: error))", "error": "\(ErrorMiddleware.safeDescription(error))"])
        }
        return (try? JSONEncoder().encode(ToolCallOutcome.failure(apiError))) ?? Data()
    }

    static func renamed(_ tool: Tool, provider: Provider) -> Tool {
        Tool(name: "\(provider.id)_\(tool.name)", title: tool.title, description: tool.description, inputSchema: tool.inputSchema,
             annotations: tool.annotations, outputSchema: tool.outputSchema, icons: tool.icons, _meta: tool._meta)
    }
}
