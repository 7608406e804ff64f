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
              let message = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
              message["method"] as? String == "tools/call", let id = message["id"], Self.isRequestID(id),
              let params = message["params"] as? [String: Any], let name = params["name"] as? String,
              case .unknownTool = tools.lookup(name), let (provider, bare) = remote.provider(ofTool: name),
              let idJSON = try? RemoteMCPClient.json(id)
        else { return nil }
        // The checks the SDK's transport would make (Host and Origin, Accept, Content-Type, protocol version).
        if let refusal = validation.validate(Self.mcpRequest(request, body: body), context: HTTPValidationContext(httpMethod: "POST")) {
            return Self.response(refusal)
        }
        let arguments = params["arguments"].flatMap { try? RemoteMCPClient.json($0) }
        let result = await remote.call(provider: provider, tool: bare, argumentsJSON: arguments, bearer: bearer, logger: logger)
        var reply = ByteBuffer(string: #"{"jsonrpc":"2.0","id":"#)
        reply.writeBytes(idJSON)
        reply.writeString(#","result":"#)
        reply.writeBytes(result)
        reply.writeString("}")
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: reply))
    }

    /// A JSON-RPC request id: a string or a number (JSON booleans arrive as NSNumbers of type "c").
    static func isRequestID(_ value: Any) -> Bool {
        if value is String { return true }
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) != "c"
    }
}
