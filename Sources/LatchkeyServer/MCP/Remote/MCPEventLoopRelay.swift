import Logging
import MCP
import NIOCore

/// Decides which `POST /mcp` requests the event loops answer themselves (`MCPRelayExchange`): a `tools/call` of a
/// remote MCP server's tool that passes the transport checks, by a key whose binding is in the access cache, in a
/// session Latchkey already holds with the server, admitted by the policy and budget without waiting. Anything else
/// (initialize, tools/list, Latchkey's own tools, a first call, an OAuth credential, a refusal by the transport
/// checks) goes to the framework path, which answers exactly as before. A refusal by the policy or the budget is
/// answered here: it has been counted and audited already.
final class MCPEventLoopRelay: Sendable {
    let controller: MCPController
    let forwarder: ProxyForwarder
    let logger: Logger

    init(controller: MCPController, forwarder: ProxyForwarder, logger: Logger) {
        self.controller = controller
        self.forwarder = forwarder
        self.logger = logger
    }

    var client: RemoteMCPClient { controller.remote.client }

    /// A call ready to go to the server.
    struct Prepared {
        let call: PreparedCall
        /// The JSON-RPC request sent to the server.
        let body: ByteBuffer
        let binding: RemoteMCPClient.Binding
        let session: RemoteSession
        /// Latchkey's id of the request, as the server's reply carries it.
        let idText: [UInt8]
    }

    /// The exchange answering `request` (complete, its body gathered), or nil for the framework path.
    func exchange(for request: ProxyRequest, responder: ProxyChannelHandler, pool: UpstreamPool) -> MCPRelayExchange? {
        guard let call = controller.remoteToolCall(request.body) else { return nil }
        let checked = MCPController.checkedRequest(authority: nil) { request.head.headers[$0] }
        guard controller.validation.validate(checked, context: HTTPValidationContext(httpMethod: "POST")) == nil,
              let resolved = forwarder.agents.cachedAccess(bearer: request.bearer, providerID: call.provider.id) else { return nil }
        let binding = RemoteMCPClient.binding(provider: call.provider, credential: resolved.credential)
        guard let session = client.openSession(binding) else { return nil }
        let id = client.nextRequestID()
        guard let params = try? RemoteMCPClient.callParams(name: call.tool, argumentsJSON: call.argumentsJSON),
              let upstream = try? RemoteMCPClient.call("tools/call", id: id, params: params, provider: call.provider, session: session, tool: call.tool),
              let body = upstream.bodyBytes else { return nil }
        let decision: Result<Prepared, any Error>
        do {
            guard let prepared = try forwarder.preparedFromCache(bearer: request.bearer, providerID: call.provider.id, call: upstream) else { return nil }
            decision = .success(Prepared(call: prepared, body: body, binding: binding, session: session, idText: Array(String(id).utf8)))
        } catch {
            decision = .failure(error)
        }
        return MCPRelayExchange(relay: self, request: request, call: call, decision: decision, responder: responder, pool: pool)
    }
}
