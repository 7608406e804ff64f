import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// A JSON response read by a test.
struct JSONReply: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let text: String

    var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
    var errorField: String? { (object["error"] as? [String: Any])?["field"] as? String }
    var setupURL: String? { (object["error"] as? [String: Any])?["setup_url"] as? String }
    subscript(key: String) -> Any? { object[key] }
    func list(_ key: String) -> [[String: Any]] { object[key] as? [[String: Any]] ?? [] }
}

extension TestClientProtocol {
    /// Sends a request and reads the reply as text.
    func call(_ method: HTTPRequest.Method, _ uri: String, auth: String? = nil, json: String? = nil, headers extra: HTTPFields = [:], body: ByteBuffer? = nil) async throws -> JSONReply {
        var headers = extra
        if let auth { headers[.authorization] = auth }
        var payload = body
        if let json {
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
            payload = ByteBuffer(string: json)
        }
        return try await execute(uri: uri, method: method, headers: headers, body: payload) { response in
            JSONReply(status: response.status, headers: response.headers, text: String(buffer: response.body))
        }
    }
}
