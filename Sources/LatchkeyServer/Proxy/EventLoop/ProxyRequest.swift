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
    var body = ByteBuffer()

    /// The provider id and the raw path after it, and the raw query: split as the framework's URI splits them.
    var target: (provider: String, path: String, query: String?) {
        let afterPrefix = head.uri.utf8.dropFirst(ProxyMiddleware.prefix.utf8.count)
        let pathEnd = afterPrefix.firstIndex(of: UInt8(ascii: "?")) ?? afterPrefix.endIndex
        let rawPath = afterPrefix[..<pathEnd]
        let providerEnd = rawPath.firstIndex(of: UInt8(ascii: "/")) ?? rawPath.endIndex
        var query: String?
        if pathEnd != afterPrefix.endIndex {
            let afterMark = afterPrefix[afterPrefix.index(after: pathEnd)...]
            query = String(Substring(afterMark[..<(afterMark.firstIndex(of: UInt8(ascii: "#")) ?? afterMark.endIndex)]))
        }
        return (String(Substring(rawPath[..<providerEnd])), String(Substring(rawPath[providerEnd...])), query)
    }

    /// The call as `ProxyForwarder` takes it.
    func call(path: String, query: String?) -> ProxyForwarder.Call {
        let body: ProxyForwarder.Body = switch declaredLength {
        case nil: .none
        case .some: .bytes(body)
        }
        return ProxyForwarder.Call(method: method, path: path, query: query, headers: head.headers, body: body)
    }
}
