import Foundation

/// A remote MCP server's answer to one JSON-RPC request: the response message as the server sent it (scrubbed),
/// with `result` or `error` in it. Kept as bytes, so a tool's result reaches the agent as it came.
struct RemoteReply: Sendable {
    /// The whole JSON-RPC response message.
    let message: Data

    /// The parsed message (a JSON object).
    func object() -> [String: Any]? { try? JSONSerialization.jsonObject(with: message) as? [String: Any] }

    /// The message's `result` as JSON bytes; nil for an error.
    var resultJSON: Data? {
        guard let result = object()?["result"] else { return nil }
        return try? JSONSerialization.data(withJSONObject: result, options: [.fragmentsAllowed, .withoutEscapingSlashes])
    }

    /// The error's message, for an error reply.
    var errorMessage: String? { (object()?["error"] as? [String: Any])?["message"] as? String }

    /// The reply re-addressed to the agent's request `id` (its JSON): the same message, only the id replaced.
    func readdressed(to id: Any) -> Data? {
        guard var object = object() else { return nil }
        object["id"] = id
        return try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])
    }
}
