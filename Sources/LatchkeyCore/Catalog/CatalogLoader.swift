import Foundation

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


    static func readDirectory(_ source: CatalogSource, issues: IssueCollector) -> [RawDocument] {
        let url = URL(fileURLWithPath: source.directory, isDirectory: true)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else {
            issues.add(CatalogIssue(file: source.directory, keyPath: "", reason: "is not a readable directory"))
            return []
        }
        let files = names.sorted().filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        // Parsing YAML is most of the start-up cost of every command: parse the files on all cores.
        let results = ParseResults(count: files.count)
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            results.set(index, parseFile(files[index], in: url, source: source))
        }
        var documents: [RawDocument] = []
        for result in results.all {
            switch result {
            case .success(let document): documents.append(document)
            case .failure(let issue): issues.add(issue)
            case nil: break
            }
        }
        return documents
    }

    /// Reads and parses one provider file; the issue carries the file's name.
    static func parseFile(_ name: String, in url: URL, source: CatalogSource) -> Result<RawDocument, CatalogIssue> {
        let file = url.appendingPathComponent(name).path
        let id = String(name.prefix(upTo: name.lastIndex(of: ".") ?? name.endIndex))
        guard isProviderID(id) else {
            return .failure(CatalogIssue(file: file, keyPath: "", reason: "the file name must be a provider id: lowercase letters, digits and '-'"))
        }
        if name.hasSuffix(".yml") { return .failure(CatalogIssue(file: file, keyPath: "", reason: "provider files end in .yaml")) }
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            return .failure(CatalogIssue(file: file, keyPath: "", reason: "is not readable UTF-8 text"))
        }
        do {
            guard let map = try CatalogYAML.load(text) as? [String: Any] else {
                return .failure(CatalogIssue(file: file, keyPath: "", reason: "must be a YAML mapping"))
            }
            return .success(RawDocument(id: id, file: file, strict: source.strict, map: map))
        } catch {
            return .failure(CatalogIssue(file: file, keyPath: "", reason: "is not valid YAML: \(error)"))
        }
    }

    /// `[a-z0-9][a-z0-9-]*`.
    static func isProviderID(_ id: String) -> Bool {
        guard let first = id.utf8.first, first != UInt8(ascii: "-") else { return false }
        return id.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
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

/// Per-file parse results, written by concurrent iterations at distinct indices and read after all have finished.
final class ParseResults: @unchecked Sendable {
    // Safe: each iteration of `concurrentPerform` writes only its own index, under the lock, and `all` is read
    // only after `concurrentPerform` has returned.
    private var results: [Result<CatalogLoader.RawDocument, CatalogIssue>?]
    private let lock = NSLock()

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<CatalogLoader.RawDocument, CatalogIssue>) {
        lock.lock()
        results[index] = result
        lock.unlock()
    }

    var all: [Result<CatalogLoader.RawDocument, CatalogIssue>?] { results }
}
