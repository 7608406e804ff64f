import Foundation

/// A parsed JSON value, with booleans told apart from numbers (Foundation's parser gives both as `NSNumber`).
enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The value `JSONSerialization` produced; nil for anything it does not produce.
    init?(parsed: Any) {
        switch parsed {
        case is NSNull: self = .null
        case let text as String: self = .string(text)
        case let number as NSNumber:
            self = String(cString: number.objCType) == "c" ? .bool(number.boolValue) : .number(number.doubleValue)
        case let list as [Any]:
            var values: [JSONValue] = []
            values.reserveCapacity(list.count)
            for item in list {
                guard let value = JSONValue(parsed: item) else { return nil }
                values.append(value)
            }
            self = .array(values)
        case let map as [String: Any]:
            var values: [String: JSONValue] = [:]
            for (key, item) in map {
                guard let value = JSONValue(parsed: item) else { return nil }
                values[key] = value
            }
            self = .object(values)
        default: return nil
        }
    }
}
