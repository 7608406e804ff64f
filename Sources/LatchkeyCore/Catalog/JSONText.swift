import Foundation

/// Writes the JSON of values parsed from YAML (maps, lists, strings, numbers, booleans, null), keys sorted.
/// Small and direct: JSONSerialization cost more than parsing the whole catalog.
enum JSONText {
    static func encode(_ value: Any) -> String? {
        var out = ""
        return write(value, into: &out) ? out : nil
    }

    private static func write(_ value: Any, into out: inout String) -> Bool {
        switch value {
        case let text as String: out += quoted(text)
        case let flag as Bool: out += flag ? "true" : "false"
        case let number as Int: out += String(number)
        case let number as Double:
            guard number.isFinite else { return false }
            out += String(number)
        case let list as [Any]:
            out += "["
            for (index, item) in list.enumerated() {
                if index > 0 { out += "," }
                guard write(item, into: &out) else { return false }
            }
            out += "]"
        case let map as [String: Any]:
            out += "{"
            for (index, key) in map.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                out += quoted(key) + ":"
                guard let item = map[key], write(item, into: &out) else { return false }
            }
            out += "}"
        case is NSNull: out += "null"
        default: return false
        }
        return true
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let s where s.value < 0x20: out += String(format: "\\u%04x", s.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
