import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore
import Logging
import MCP
import NIOCore
import NIOHTTP1

/// `ANY /mcp/{provider}`: one remote MCP server as it is, for clients that want it whole. The Streamable HTTP
/// transport is relayed (POST, the GET event stream, DELETE; `Mcp-Session-Id` both ways; server-sent events flushed
/// as they arrive) with the agent's key swapped for the provider's token. Of the agent's headers only the
/// transport's own go up, so no other credential of the agent's reaches the server.
///
/// A `tools/call` is judged like any call (the binding's `tools`, the group's budget); with a policy on the
/// binding, only the transport's basics, tool listing and tool calls pass (no resources or prompts past the rules).
struct MCPPassThrough {
    let forwarder: ProxyForwarder
    let agents: AgentService
    let catalog: Catalog
    let links: SetupLinks
    /// The largest request body read (`proxy_body_limit`).
    let limit: Int

    /// The agent headers that go to the remote server.
    static let forwardedHeaders: Set<String> = ["content-type", "accept", "mcp-session-id", "mcp-protocol-version", "last-event-id"]
    /// What passes when the binding has a policy.
    static let methodsUnderPolicy: Set<String> = ["initialize", "ping", "tools/list", "tools/call"]

    func register(on router: Router<AppRequestContext>) {
        router.post("mcp/:provider") { request, context in try await relay(request, context: context) }
        router.get("mcp/:provider") { request, context in try await relay(request, context: context) }
        router.delete("mcp/:provider") { request, context in try await relay(request, context: context) }
        router.allowOnly("mcp/:provider", [.post, .get, .delete])
    }

    func relay(_ request: Request, context: AppRequestContext) async throws -> Response {
        let providerID = try context.parameters.require("provider")
        let bearer = BearerToken.from(request)
        guard ProxyForwarder.isProviderID(providerID), let provider = catalog.provider(providerID), let mcp = provider.mcp else {
            _ = try await agents.authenticate(bearer: bearer)
            throw LatchkeyError.unknownProvider(String(providerID.prefix(64)))
        }
        var headers = HTTPHeaders()
        for field in request.headers where Self.forwardedHeaders.contains(field.name.canonicalName) { headers.add(name: field.name.canonicalName, value: field.value) }
        var body: ProxyForwarder.Body = .none
        var rpc: (method: String, id: Data?, tool: String?)?
        if request.method == .post {
            let bytes: ByteBuffer
            do { bytes = try await request.body.collect(upTo: limit) } catch { throw LatchkeyError.payloadTooLarge(limit: limit) }
            body = .bytes(bytes)
            rpc = Self.message(bytes)
        }
        let resolved = try await agents.access(bearer: bearer, providerID: providerID)
        if resolved.policy != nil, let rpc, !rpc.method.hasPrefix("notifications/"), !Self.methodsUnderPolicy.contains(rpc.method) {
            return try Self.rpcRefusal(LatchkeyError.policyDenied(provider: providerID, reason: "this binding's rules allow only tools through /mcp/\(providerID), not \(rpc.method.prefix(64))"), id: rpc.id)
        }
        let call = ProxyForwarder.Call(method: request.method, path: mcp.endpointPath, query: nil, headers: headers, body: body,
                                       tool: rpc?.tool, toMCPServer: true, gated: rpc?.tool != nil)
        let forwarded: ProxyForwarder.Forwarded
        do {
            forwarded = try await forwarder.forward(bearer: bearer, providerID: providerID, call: call)
        } catch let error as LatchkeyError where rpc?.tool != nil {
            // A refused tool call is a tool result, as at /mcp: the client shows it, with the link that fixes it.
            return try Self.rpcRefusal(error, id: rpc?.id)
        }
        let status = Int(forwarded.response.status.code)
        // The server's own sign-in challenge would send the agent's client to the provider: Latchkey answers instead.
        if status == 401 || status == 403 {
            let challenge = BearerChallenge.parse(forwarded.response.headers.first(name: "www-authenticate"))
            if status == 401 || challenge?.error == "insufficient_scope" {
                forwarded.admission?.finish()
                let scopes = Array(Set(resolved.credential.scopes + (challenge?.scopes ?? []))).sorted()
                throw status == 401
                    ? LatchkeyError.credentialNeedsReauth(provider: providerID, setupURL: links.reconnect(credentialID: resolved.credential.id))
                    : LatchkeyError.insufficientScope(provider: providerID, scopes: challenge?.scopes ?? [],
                                                      setupURL: links.reconnect(credentialID: resolved.credential.id, addingScopes: scopes))
            }
        }
        return ProxyMiddleware.relay(forwarded.response, method: request.method, scrubber: forwarded.scrubber, admission: forwarded.admission)
    }

    /// The JSON-RPC method, id (as JSON) and (for `tools/call`) tool name of a single message; nil for anything else.
    static func message(_ bytes: ByteBuffer) -> (method: String, id: Data?, tool: String?)? {
        guard bytes.readableBytesView.first == UInt8(ascii: "{"),
              let object = try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any],
              let method = object["method"] as? String else { return nil }
        let id = object["id"].flatMap { try? RemoteMCPClient.json($0) }
        guard method == "tools/call" else { return (method, id, nil) }
        return (method, id, ((object["params"] as? [String: Any])?["name"] as? String) ?? "")
    }

    /// A JSON-RPC answer carrying Latchkey's refusal as a tool result.
    static func rpcRefusal(_ error: LatchkeyError, id: Data?) throws -> Response {
        var reply = ByteBuffer(string: #"{"jsonrpc":"2.0","id":"#)
        reply.writeBytes(id ?? Data("null".utf8))
        reply.writeString(#","result":"#)
        reply.writeBytes(try JSONEncoder().encode(ToolCallOutcome.failure(APIError.from(error))))
        reply.writeString("}")
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: reply))
    }
}
