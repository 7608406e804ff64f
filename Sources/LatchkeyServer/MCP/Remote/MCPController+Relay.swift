import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore
import Logging
import MCP
import NIOCore

extension MCPController {
    /// The JSON-RPC `tools/call` of a remote server's tool, answered directly; nil for anything else (the SDK answers).
    func relayedRemoteCall(_ request: Request, body: ByteBuffer, bearer: String?, logger: Logger) async -> Response? {
        guard body.readableBytes > 0, body.readableBytesView.first == UInt8(ascii: "{"),
              let message = try? JSONDecoder().decode([String: Value].self, from: Data(body.readableBytesView)),
              message["method"] == .string("tools/call"), let id = message["id"], id != .null,
              case .object(let params)? = message["params"], case .string(let name)? = params["name"],
              case .unknownTool = tools.lookup(name), let (provider, bare) = remote.provider(ofTool: name)
        else { return nil }
        // The checks the SDK's transport would make (Host and Origin, Accept, Content-Type, protocol version).
        if let refusal = validation.validate(Self.mcpRequest(request, body: body), context: HTTPValidationContext(httpMethod: "POST")) {
            return Self.response(refusal)
        }
        let arguments = params["arguments"]
        let result = await remote.call(provider: provider, tool: bare, arguments: arguments, bearer: bearer, logger: logger)
        let reply: Value = .object(["jsonrpc": .string("2.0"), "id": id, "result": result])
        guard let data = try? JSONEncoder().encode(reply) else { return nil }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}
