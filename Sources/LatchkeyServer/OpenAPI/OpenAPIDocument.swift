import Foundation
import NIOCore
import Yams

/// The OpenAPI 3.1 document of the management API and the agent interface.
///
/// Hand-written YAML in the repository (`Sources/LatchkeyServer/Resources/openapi.yaml`), embedded in the binary at
/// build time (SwiftPM's `embedInCode`, so no resource bundle has to travel with the executable), converted to JSON
/// once and served at `GET /api/v1/openapi.json`. Tests hold it to the server: every route and every error code.
enum OpenAPIDocument {
    /// The document as JSON (sorted keys), converted the first time it is asked for (when the router is built).
    static let json: Result<ByteBuffer, OpenAPIDocumentError> = Result {
        ByteBuffer(data: try json(fromYAML: String(decoding: PackageResources.openapi_yaml, as: UTF8.self)))
    }.mapError { $0 as? OpenAPIDocumentError ?? .unreadable("\($0)") }

    /// JSON text of a YAML document.
    static func json(fromYAML text: String) throws -> Data {
        try JSONSerialization.data(withJSONObject: try object(fromYAML: text), options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// The YAML document as JSON values. Only JSON's scalars are resolved: no timestamps, and `yes`/`no`/`on`/`off`
    /// stay strings (YAML 1.1 would read them as booleans).
    static func object(fromYAML text: String) throws -> Any {
        let bool = try Resolver.Rule(.bool, "^(?:true|false)$")
        guard let loaded = try Yams.load(yaml: text, Resolver.basic.appending(bool).appending(.int).appending(.float).appending(.null)) else { throw OpenAPIDocumentError.unreadable("the document is empty") }
        return try jsonValue(loaded, at: "")
    }

    private static func jsonValue(_ value: Any, at path: String) throws -> Any {
        switch value {
        case let map as [AnyHashable: Any]:
            var object: [String: Any] = [:]
            for (key, item) in map {
                let name = "\(key.base)"
                object[name] = try jsonValue(item, at: "\(path)/\(name)")
            }
            return object
        case let list as [Any]:
            return try list.enumerated().map { try jsonValue($0.element, at: "\(path)/\($0.offset)") }
        case is String, is Int, is Double, is Bool, is NSNull:
            return value
        default:
            throw OpenAPIDocumentError.unreadable("\(path) holds a \(type(of: value)), which JSON has no form for")
        }
    }
}

/// The embedded document could not be read (a test keeps this from shipping).
enum OpenAPIDocumentError: Error, CustomStringConvertible {
    case unreadable(String)

    var description: String {
        switch self {
        case .unreadable(let reason): "the OpenAPI document cannot be read: \(reason)"
        }
    }
}
