import Foundation
import Yams

/// Reads provider directories into a validated `Catalog`, reporting every problem with its file and key path.
public enum CatalogLoader {
    /// Loads `sources` in order; a later directory adds providers and replaces same-id ones.
    public static func load(_ sources: [CatalogSource]) throws(CatalogError) -> Catalog {
        let collector = IssueCollector()
        var documents: [String: RawDocument] = [:]
        for source in sources {
            for document in readDirectory(source, issues: collector) { documents[document.id] = document }
        }
        var providers: [Provider] = []
        for id in documents.keys.sorted() {
            guard let document = documents[id],
                  let merged = mergedMap(of: document, in: documents, issues: collector, seen: [])
            else { continue }
            let node = YAMLNode(value: merged, path: "", file: document.file, issues: collector)
            if let provider = ProviderDecoder(node: node, id: id, strict: document.strict).decode() {
                providers.append(provider)
            }
        }
        guard collector.issues.isEmpty else { throw CatalogError(issues: collector.issues) }
        return Catalog(providers: providers)
    }

    struct RawDocument {
        let id: String
        let file: String
        let strict: Bool
        let map: [String: Any]
    }

    /// Booleans, integers and nulls are all a provider file needs typed; skipping float, timestamp and merge
    /// resolution (a regular expression per scalar each) makes loading the catalog several times faster.
    static let resolver = Resolver.basic.appending(.bool).appending(.int).appending(.null)

    static var idPattern: Regex<Substring> { /^[a-z0-9][a-z0-9-]*$/ }

    static func readDirectory(_ source: CatalogSource, issues: IssueCollector) -> [RawDocument] {
        let url = URL(fileURLWithPath: source.directory, isDirectory: true)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else {
            issues.add(CatalogIssue(file: source.directory, keyPath: "", reason: "is not a readable directory"))
            return []
        }
        var documents: [RawDocument] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let file = url.appendingPathComponent(name).path
            let id = String(name.prefix(upTo: name.lastIndex(of: ".") ?? name.endIndex))
            guard id.wholeMatch(of: idPattern) != nil else {
                issues.add(CatalogIssue(file: file, keyPath: "", reason: "the file name must be a provider id: lowercase letters, digits and '-'"))
                continue
            }
            if name.hasSuffix(".yml") {
                issues.add(CatalogIssue(file: file, keyPath: "", reason: "provider files end in .yaml"))
                continue
            }
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                issues.add(CatalogIssue(file: file, keyPath: "", reason: "is not readable UTF-8 text"))
                continue
            }
            do {
                guard let map = try Yams.load(yaml: text, Self.resolver) as? [String: Any] else {
                    issues.add(CatalogIssue(file: file, keyPath: "", reason: "must be a YAML mapping"))
                    continue
                }
                documents.append(RawDocument(id: id, file: file, strict: source.strict, map: map))
            } catch {
                issues.add(CatalogIssue(file: file, keyPath: "", reason: "is not valid YAML: \(error)"))
            }
        }
        return documents
    }

    /// The document with its `extends:` chain merged in; nil (with an issue) on a missing target or a cycle.
    static func mergedMap(of document: RawDocument, in documents: [String: RawDocument], issues: IssueCollector, seen: Set<String>) -> [String: Any]? {
        guard let parentValue = document.map["extends"] else { return document.map }
        guard let parentID = parentValue as? String else {
            issues.add(CatalogIssue(file: document.file, keyPath: "extends", reason: "must be a provider id"))
            return nil
        }
        guard let parent = documents[parentID] else {
            issues.add(CatalogIssue(file: document.file, keyPath: "extends", reason: "names '\(parentID)', which is not in the catalog"))
            return nil
        }
        guard !seen.contains(parentID), parentID != document.id else {
            issues.add(CatalogIssue(file: document.file, keyPath: "extends", reason: "forms a cycle through '\(parentID)'"))
            return nil
        }
        guard let base = mergedMap(of: parent, in: documents, issues: issues, seen: seen.union([document.id])) else { return nil }
        var child = document.map
        child.removeValue(forKey: "extends")
        // Mode-specific keys of the parent would mean nothing under another mode; a different mode is a new provider.
        if let childMode = (child["auth"] as? [String: Any])?["mode"] as? String,
           let parentMode = (base["auth"] as? [String: Any])?["mode"] as? String, childMode != parentMode {
            issues.add(CatalogIssue(file: document.file, keyPath: "auth.mode", reason: "may not change the mode '\(parentMode)' inherited from '\(parentID)'"))
            return nil
        }
        var parentMap = base
        // A child's own tools replace the parent's; inheriting another API's operations would mislead agents.
        parentMap.removeValue(forKey: "tools")
        return deepMerge(parentMap, child)
    }

    /// Maps merge key by key (the child wins); any other value, lists included, is replaced.
    static func deepMerge(_ base: [String: Any], _ override: [String: Any]) -> [String: Any] {
        var result = base
        for (key, value) in override {
            if let baseMap = result[key] as? [String: Any], let overrideMap = value as? [String: Any] {
                result[key] = deepMerge(baseMap, overrideMap)
            } else {
                result[key] = value
            }
        }
        return result
    }
}
