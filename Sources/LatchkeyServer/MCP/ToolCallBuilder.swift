import Foundation
import HTTPTypes
import LatchkeyCore
import MCP
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Turns a tool call's arguments into the request the proxy path forwards. Everything an argument supplies is
/// percent-encoded into its place; the resulting path still goes through the proxy's base-URL guard.
enum ToolCallBuilder {
    static func call(for tool: AgentTool, arguments: [String: Value]) throws(LatchkeyError) -> ProxyForwarder.Call {
        var call = switch tool.kind {
        case .declared(let declared): try declaredCall(declared, arguments: arguments, defaults: tool.provider.defaults)
        case .generic: try genericCall(arguments: arguments)
        }
        call.tool = tool.bareName
        return call
    }

    /// A declared tool: `{placeholder}`s from the arguments, `query` arguments as parameters, and for POST, PUT and
    /// PATCH the remaining arguments as a JSON object body. Accept and Content-Type say JSON unless the provider file
    /// declares its own as defaults (a vendor media type such as Heroku's versioned Accept), which then go on instead.
    static func declaredCall(_ tool: ProviderTool, arguments: [String: Value], defaults: RequestDefaults = RequestDefaults()) throws(LatchkeyError) -> ProxyForwarder.Call {
        var path = ""
        var used = Set<String>()
        var rest = Substring(tool.path)
        while let open = rest.firstIndex(of: "{") {
            path += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            guard let value = arguments[name], let text = scalarText(value), !text.isEmpty else {
                throw .badRequest("the argument '\(name)' is required (a string or number)")
            }
            path += TokenRequester.formEncode(text)  // unreserved only: a value adds no `/`, `?`, `#` or `%` escape
            used.insert(name)
            rest = rest[rest.index(after: close)...]
        }
        path += rest
        var pairs: [(String, Value)] = []
        for name in tool.query {
            guard let value = arguments[name], !value.isNull else { continue }
            pairs.append((name, value))
            used.insert(name)
        }
        let method = HTTPRequest.Method(tool.method) ?? .get
        var headers = HTTPFields()
        var body = ProxyForwarder.Body.none
        if [.post, .put, .patch].contains(method) {
            let remaining = arguments.filter { !used.contains($0.key) }
            body = .bytes(ByteBuffer(data: try json(.object(remaining))))
            if !defaults.headers.contains(where: { HeaderRules.sameName($0.name, "Content-Type") }) { headers[.contentType] = "application/json" }
        }
        if !defaults.headers.contains(where: { HeaderRules.sameName($0.name, "Accept") }) { headers[.accept] = "application/json" }
        return ProxyForwarder.Call(method: method, path: path, query: try queryString(pairs), headers: HTTPHeaders(headers), body: body)
    }

    /// The generic tool: method, path, query, headers and body as given.
    static func genericCall(arguments: [String: Value]) throws(LatchkeyError) -> ProxyForwarder.Call {
        let allowed: Set = ["method", "path", "query", "headers", "body"]
        if let unknown = arguments.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .badRequest("unknown argument '\(unknown)' (the arguments are method, path, query, headers, body)")
        }
        let methodName = arguments["method"]?.stringValue?.uppercased()
        // Refused with the proxy's own answer (405 `method_not_allowed`), not as a malformed argument.
        if let methodName { try ProxyRules.checkMethod(methodName) }
        guard let methodName, ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"].contains(methodName), let method = HTTPRequest.Method(methodName)
        else { throw .badRequest("'method' must be one of GET, POST, PUT, PATCH, DELETE, HEAD") }
        guard let path = arguments["path"]?.stringValue, path.hasPrefix("/") else { throw .badRequest("'path' must be a string starting with '/'") }
        let rawPath: String
        let rawQuery: String?
        if let mark = path.firstIndex(of: "?") {
            rawPath = String(path[..<mark])
            rawQuery = String(path[path.index(after: mark)...])
        } else {
            rawPath = path
            rawQuery = nil
        }
        var pairs: [(String, Value)] = []
        switch arguments["query"] {
        case nil, .null?: break
        case .object(let object)?: pairs = object.sorted { $0.key < $1.key }.filter { !$0.value.isNull }
        default: throw .badRequest("'query' must be an object of parameters")
        }
        let built = try queryString(pairs)
        let query = [rawQuery, built].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "&")

        var headers = HTTPFields()
        switch arguments["headers"] {
        case nil, .null?: break
        case .object(let object)?:
            for (name, value) in object.sorted(by: { $0.key < $1.key }) {
                guard let text = value.stringValue, let fieldName = HTTPField.Name(name), HTTPField.isValidValue(text) else {
                    throw .badRequest("header '\(name.prefix(64))' is not a valid header name with a string value")
                }
                headers.append(HTTPField(name: fieldName, value: text))
            }
        default: throw .badRequest("'headers' must be an object of strings")
        }
        var body = ProxyForwarder.Body.none
        switch arguments["body"] {
        case nil, .null?: break
        case .string(let text)?:
            body = .bytes(ByteBuffer(string: text))
            if headers[.contentType] == nil { headers[.contentType] = "text/plain; charset=utf-8" }
        case let value?:
            body = .bytes(ByteBuffer(data: try json(value)))
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        }
        if headers[.accept] == nil { headers[.accept] = "application/json" }
        return ProxyForwarder.Call(method: method, path: rawPath, query: query.isEmpty ? nil : query, headers: HTTPHeaders(headers), body: body)
    }

    /// `name=value&…`, percent-encoded; an array argument repeats its name.
    static func queryString(_ pairs: [(String, Value)]) throws(LatchkeyError) -> String? {
        var parts: [String] = []
        for (name, value) in pairs {
            let values = value.arrayValue ?? [value]
            for item in values {
                guard let text = scalarText(item) else { throw .badRequest("the query parameter '\(name.prefix(64))' must be a string, number or boolean") }
                parts.append("\(TokenRequester.formEncode(name))=\(TokenRequester.formEncode(text))")
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "&")
    }

    /// A string, number or boolean as text; nil for anything else.
    static func scalarText(_ value: Value) -> String? {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number): number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
        case .bool(let flag): flag ? "true" : "false"
        case .data(let mimeType, let data): "data:\(mimeType ?? "");base64,\(data.base64EncodedString())"
        case .null, .array, .object: nil
        }
    }

    static func json(_ value: Value) throws(LatchkeyError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return try encoder.encode(value) } catch { throw .badRequest("the body is not expressible as JSON") }
    }
}
