import Hummingbird
import LatchkeyCore

/// `GET /v1/tools`: what the agent's group is bound to, with each credential's status.
struct AgentController {
    let agents: AgentService

    struct ToolDTO: Encodable {
        let provider: String, credentialID: String, status: String, authMode: String?
        enum CodingKeys: String, CodingKey {
            case provider, status
            case credentialID = "credential_id", authMode = "auth_mode"
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
        router.get("v1/tools") { request, _ in
            let agent = try await agents.authenticate(bearer: BearerToken.from(request))
            let tools = try await agents.boundProviders(agent: agent).map { binding, credential in
                ToolDTO(provider: binding.provider, credentialID: binding.credentialID, status: credential?.status.rawValue ?? "missing", authMode: credential?.authMode.rawValue)
            }
            return JSONOutput.response(ToolsDTO(groupID: agent.group.id, tools: tools))
        }
    }
}
