import Foundation
import LatchkeyCore

/// An agent's `tools/call` of a remote MCP server's tool, located in its JSON-RPC message.
struct RemoteToolCall {
    /// The request id as the agent wrote it.
    let id: ArraySlice<UInt8>
    let provider: Provider
    /// The tool's name on the remote server.
    let tool: String
    /// The arguments as the agent wrote them.
    let argumentsJSON: Data?
}
