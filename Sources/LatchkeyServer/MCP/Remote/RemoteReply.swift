import Foundation

/// A remote MCP server's answer to one JSON-RPC request: the response message as the server sent it (scrubbed),
/// with `result` or `error` in it. Kept as bytes, so a tool's result reaches the agent as it came.
struct RemoteReply: Sendable {
    /// The whole JSON-RPC response message.
    let message: [UInt8]
    /// Where its `result` value is, when it has one.
    let result: Range<Int>?

    /// The message's `result` as JSON bytes; nil for an error.
    var resultJSON: ArraySlice<UInt8>? { result.map { message[$0] } }

    /// The error's message, for an error reply.
    var errorMessage: String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(message)) as? [String: Any] else { return nil }
        return (object["error"] as? [String: Any])?["message"] as? String
    }
}
