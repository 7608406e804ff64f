import Foundation
import Hummingbird
import LatchkeyCore
import MCP

/// `GET /v1/tools`: the picture `POST /mcp` gives, as JSON: the providers bound in the key's group, each with its
/// binding's status (and the link that fixes it) and the MCP tools it contributes.
struct AgentController {
    let agents: AgentService
    let catalog: Catalog
    let links: SetupLinks
    let tools: ToolCatalog

    struct OperationDTO: Encodable {
        let name: String, description: String, method: String?, path: String?, inputSchema: Value
        enum CodingKeys: String, CodingKey {
            case name, description, method, path
            case inputSchema = "input_schema"
        }
    }

    struct ToolDTO: Encodable {
        let provider: String, name: String?, credentialID: String, status: String, authMode: String?, setupURL: String?, operations: [OperationDTO]
        enum CodingKeys: String, CodingKey {
            case provider, name, status, operations
            case credentialID = "credential_id", authMode = "auth_mode", setupURL = "setup_url"
        }
    }

    struct ToolsDTO: Encodable {
        let groupID: String, tools: [ToolDTO]
        enum CodingKeys: String, CodingKey {
            case tools
            case groupID = "group_id"
        }
    }

    func register(on router: Router<AppRequestContext>) {
        let agents = agents, catalog = catalog, links = links, tools = tools
        router.get("v1/tools") { request, _ in
            let agent = try await agents.authenticate(bearer: BearerToken.from(request))
            var listed: [ToolDTO] = []
            for (binding, credential) in try await agents.boundProviders(agent: agent) {
                let provider = catalog.provider(binding.provider)
                let operations = tools.tools(for: [binding]).map(Self.operation)
                let status = credential?.status.rawValue ?? "missing"
                let setupURL = links.fix(for: credential, groupID: agent.group.id, provider: binding.provider)
                listed.append(ToolDTO(provider: binding.provider, name: provider?.name, credentialID: binding.credentialID, status: status,
                                     authMode: credential?.authMode.rawValue, setupURL: setupURL, operations: operations))
            }
            return JSONOutput.response(ToolsDTO(groupID: agent.group.id, tools: listed))
        }
        router.allowOnly("v1/tools", [.get])
    }

    static func operation(_ tool: AgentTool) -> OperationDTO {
        switch tool.kind {
        case .declared(let declared): OperationDTO(name: tool.name, description: tool.description, method: declared.method, path: declared.path, inputSchema: tool.mcp.inputSchema)
        case .generic: OperationDTO(name: tool.name, description: tool.description, method: nil, path: nil, inputSchema: tool.mcp.inputSchema)
        }
    }
}
