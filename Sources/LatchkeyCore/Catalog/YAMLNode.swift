import Foundation

/// A value read from a provider file, with its key path, that reports type errors as `CatalogIssue`s.
struct YAMLNode {
    let value: Any
    let path: String
    let file: String
    let issues: IssueCollector

    func child(_ key: String, of map: [String: Any]) -> YAMLNode? {
        map[key].map { YAMLNode(value: $0, path: path.isEmpty ? key : "\(path).\(key)", file: file, issues: issues) }
    }

    func fail(_ reason: String) { issues.add(CatalogIssue(file: file, keyPath: path, reason: reason)) }

    var map: [String: Any]? {
        if let map = value as? [String: Any] { return map }
        fail("must be a mapping")
        return nil
    }

    var string: String? {
        if let s = value as? String { return s }
        // YAML scalars such as 2022-06-28 or 3600 may arrive typed; headers and params want text.
        if let n = value as? Int { return String(n) }
        if let b = value as? Bool { return b ? "true" : "false" }
        if let d = value as? Double { return String(d) }
        fail("must be a string")
        return nil
    }

    var int: Int? {
        if let n = value as? Int { return n }
        fail("must be a whole number")
        return nil
    }

    var bool: Bool? {
        if let b = value as? Bool { return b }
        fail("must be true or false")
        return nil
    }

    var list: [YAMLNode]? {
        guard let items = value as? [Any] else { fail("must be a list"); return nil }
        return items.enumerated().map { YAMLNode(value: $1, path: "\(path)[\($0)]", file: file, issues: issues) }
    }

    var stringList: [String]? { list?.compactMap(\.string) }

    /// A mapping of strings to strings, in file order where the parser kept it.
    var stringMap: [(String, String)]? {
        guard let map else { return nil }
        return map.keys.sorted().compactMap { key in child(key, of: map)?.string.map { (key, $0) } }
    }

    /// Reports every key of `map` not in `allowed`.
    func checkKeys(_ map: [String: Any], allowed: Set<String>) {
        for key in map.keys.sorted() where !allowed.contains(key) {
            issues.add(CatalogIssue(file: file, keyPath: path.isEmpty ? key : "\(path).\(key)", reason: "unknown key"))
        }
    }
}

/// Collects issues while a file is decoded, so that every problem is reported at once.
final class IssueCollector {
    private(set) var issues: [CatalogIssue] = []
    func add(_ issue: CatalogIssue) { issues.append(issue) }
}
