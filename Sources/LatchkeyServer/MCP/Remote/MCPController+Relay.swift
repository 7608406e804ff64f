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
        // Located, not parsed: the request's id and the tool's arguments go on as the agent wrote them.
        guard body.readableBytes > 0, let message = JSONMembers(Array(body.readableBytesView)),
              message.plainString("method") == "tools/call", let id = message["id"], Self.isRequestID(id),
              let paramsText = message["params"], let params = JSONMembers(Array(paramsText)), let name = params.plainString("name"),
              case .unknownTool = tools.lookup(name), let (provider, bare) = remote.provider(ofTool: name)
        else { return nil }
        // The checks the SDK's transport would make (Host and Origin, Accept, Content-Type, protocol version).
        if let refusal = validation.validate(Self.mcpRequest(request, body: body), context: HTTPValidationContext(httpMethod: "POST")) {
            return Self.response(refusal)
        }
        let arguments = params["arguments"].map { Data($0) }
        let result = await remote.call(provider: provider, tool: bare, argumentsJSON: arguments, bearer: bearer, logger: logger)
        var reply = ByteBuffer(string: #"{"jsonrpc":"2.0","id":"#)
        reply.writeBytes(id)
        reply.writeString(#","result":"#)
        reply.writeBytes(result)
        reply.writeString("}")
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: reply))
    }

    /// A JSON-RPC request id as written: a string without control characters, or an integer.
    static func isRequestID(_ raw: ArraySlice<UInt8>) -> Bool {
        guard let first = raw.first else { return false }
        if first == UInt8(ascii: "\"") { return raw.count >= 2 && raw.last == UInt8(ascii: "\"") && JSONMembers.stringEnd(Array(raw), 0) == raw.count }
        let digits = first == UInt8(ascii: "-") ? raw.dropFirst() : raw[...]
        return !digits.isEmpty && digits.count <= 19 && digits.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
