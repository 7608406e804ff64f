import Foundation
import Yams

/// Provider files as plain values: maps, lists, strings, booleans, integers and null, exactly as Yams' resolver
/// with the bool, int and null rules gives them, but without running its regular expressions on every scalar.
///
/// Yams resolves each plain scalar by trying a regular expression per rule, and again whenever a mapping key is
/// hashed; with 800 provider files that was most of the start-up time of every `latchkey` process. Here the
/// document is composed with no rules (no regular expression at all), and a plain scalar is classified by hand:
/// the null and bool words are a fixed set, and only a scalar that starts like a number meets the int rule's own
/// pattern. `CatalogYAMLTests` checks that every shipped file comes out as Yams' resolver made it.
enum CatalogYAML {
    /// The document's root value; nil for an empty document.
    static func load(_ text: String) throws -> Any? {
        guard let root = try Yams.compose(yaml: text, .basic) else { return nil }
        return value(root)
    }

    static func value(_ node: Node) -> Any {
        switch node {
        case .scalar(let scalar): return value(scalar)
        case .sequence(let sequence): return sequence.map(value)
        case .mapping(let mapping): return value(mapping)
        case .alias: return NSNull()  // The parser dereferences aliases; a bare one cannot reach here.
        }
    }

    /// `[String: Any]` when every key is a string (the case of every provider file); otherwise keyed by the keys'
    /// values, as Yams would have made it. A later duplicate key wins.
    static func value(_ mapping: Node.Mapping) -> Any {
        var strings: [String: Any] = [:]
        var others: [AnyHashable: Any] = [:]
        for (key, item) in mapping {
            guard case .scalar(let scalar) = key else {
                others[AnyHashable(key.string ?? "\(key)")] = value(item)
                continue
            }
            let typed = value(scalar)
            if let text = typed as? String { strings[text] = value(item) } else if let hashable = typed as? AnyHashable { others[hashable] = value(item) }
        }
        guard !others.isEmpty else { return strings }
        for (key, item) in strings { others[AnyHashable(key)] = item }
        return others
    }

    static func value(_ scalar: Node.Scalar) -> Any {
        let tag = Tag.Name(rawValue: scalar.tag.rawValue)
        let kind: Tag.Name
        if tag == .implicit {
            kind = scalar.style == .plain || scalar.style == .any ? classify(scalar.string) : .str
        } else {
            kind = tag
        }
        switch kind {
        case .null: return NSNull()
        case .bool: return Bool.construct(from: scalar) ?? scalar.string
        case .int: return Int.construct(from: scalar) ?? scalar.string
        default: return scalar.string
        }
    }

    /// The tag Yams' bool, int and null rules (in that order) give a plain scalar.
    static func classify(_ text: String) -> Tag.Name {
        if boolWords.contains(text) { return .bool }
        if let first = text.utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
           let intPattern, intPattern.firstMatch(in: text, options: [], range: NSRange(location: 0, length: text.utf16.count)) != nil {
            return .int
        }
        return nullWords.contains(text) ? .null : .str
    }

    static let boolWords: Set<String> = ["yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
                                         "on", "On", "ON", "off", "Off", "OFF"]
    static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]
    /// Yams' own int rule.
    nonisolated(unsafe) static let intPattern = try? NSRegularExpression(pattern: Resolver.Rule.int.pattern, options: [])
}
