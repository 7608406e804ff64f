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
        guard let call = remoteToolCall(body) else { return nil }
        // The checks the SDK's transport would make (Host and Origin, Accept, Content-Type, protocol version).
        let checked = Self.checkedRequest(authority: request.head.authority) { name in
            HTTPField.Name(name).map { request.headers[values: $0] } ?? []
        }
        if let refusal = validation.validate(checked, context: HTTPValidationContext(httpMethod: "POST")) {
            return Self.response(refusal)
        }
        let (id, provider, bare, arguments) = (call.id, call.provider, call.tool, call.argumentsJSON)
        let result = await remote.call(provider: provider, tool: bare, argumentsJSON: arguments, bearer: bearer, logger: logger)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: Self.reply(id: id, result: result)))
    }

    /// The JSON-RPC response to the agent: its request id as written and the tool result.
    static func reply(id: some Sequence<UInt8>, result: Data) -> ByteBuffer {
        var reply = ByteBuffer(string: #"{"jsonrpc":"2.0","id":"#)
        reply.writeBytes(id)
        reply.writeString(#","result":"#)
        reply.writeBytes(result)
        reply.writeString("}")
        return reply
    }

    /// The remote tool call `body` asks for, when it is one: its request id, the provider and the tool's own name,
    /// and the arguments as written. Located, not parsed.
    func remoteToolCall(_ body: ByteBuffer) -> RemoteToolCall? {
        guard body.readableBytes > 0, let message = JSONMembers(Array(body.readableBytesView)),
              message.plainString("method") == "tools/call", let id = message["id"], Self.isRequestID(id),
              let paramsText = message["params"], let params = JSONMembers(Array(paramsText)), let name = params.plainString("name"),
              case .unknownTool = tools.lookup(name), let (provider, bare) = remote.provider(ofTool: name)
        else { return nil }
        return RemoteToolCall(id: id, provider: provider, tool: bare, argumentsJSON: params["arguments"].map { Data($0) })
    }

    /// The headers the transport checks look at (Host and Origin, Accept, Content-Type, protocol version), as the
    /// SDK's validators see them: repeated fields joined, `authority` (HTTP/1.1's Host) as `host` when given. Only
    /// these: copying every header and the body for the checks cost more than the checks.
    static func checkedRequest(authority: String?, values: (String) -> [String]) -> MCP.HTTPRequest {
        var headers: [String: String] = [:]
        for name in ["host", "origin", "accept", "content-type", "mcp-protocol-version"] {
            let found = values(name)
            if !found.isEmpty { headers[name] = found.joined(separator: ", ") }
        }
        if let authority { headers["host"] = authority }
        return MCP.HTTPRequest(method: "POST", headers: headers, path: "/mcp")
    }

    /// A JSON-RPC request id as written: a string without control characters, or an integer.
    static func isRequestID(_ raw: ArraySlice<UInt8>) -> Bool {
        guard let first = raw.first else { return false }
        if first == UInt8(ascii: "\"") { return raw.count >= 2 && raw.last == UInt8(ascii: "\"") && JSONMembers.stringEnd(Array(raw), 0) == raw.count }
        let digits = first == UInt8(ascii: "-") ? raw.dropFirst() : raw[...]
        return !digits.isEmpty && digits.count <= 19 && digits.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
