import Foundation
import MCP

/// A remote MCP server's answer to one JSON-RPC request: the whole response message, `result` or `error` in it.
struct RemoteReply: Sendable {
    let message: [String: Value]

    var result: Value? { message["result"] }
    var error: Value? { message["error"] }

    /// The message's id as sent back.
    var id: Value? { message["id"] }
}
