import HTTPTypes
import LatchkeyCore
import NIOCore
import NIOHTTP1

/// An agent's call taken by the event-loop path, its body gathered in memory.
struct ProxyRequest {
    let head: HTTPRequestHead
    let method: HTTPRequest.Method
    /// The agent's key, from its `Authorization` header.
    let bearer: String?
    let declaredLength: Int?
    /// A `POST /mcp` (`MCPEventLoopRelay`), not a `/v1/proxy` call.
    var isMCP = false
    var body = ByteBuffer()

    /// The provider id, the raw path after it and the raw query.
    var target: (provider: String, path: String, query: String?) { ProxyRules.target(head.uri) }

    /// The call as `ProxyForwarder` takes it.
    func call(path: String, query: String?) -> ProxyForwarder.Call {
        let body: ProxyForwarder.Body = switch declaredLength {
        case nil: .none
        case .some: .bytes(body)
        }
        return ProxyForwarder.Call(method: method, path: path, query: query, headers: head.headers, body: body)
    }
}
