import Foundation
import Testing
import Yams
@testable import LatchkeyCore

/// The catalog's own YAML reading gives exactly what Yams' resolver (bool, int and null rules) gave.
@Suite struct CatalogYAMLTests {
    static let yamsResolver = Resolver.basic.appending(.bool).appending(.int).appending(.null)

    @Test func everyShippedFileReadsAsYamsResolverReadsIt() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: ShippedCatalog.directory).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(names.count > 700)
        var differing: [String] = []
        for name in names {
            let text = try String(contentsOfFile: ShippedCatalog.directory + "/" + name, encoding: .utf8)
            let expected = try Yams.load(yaml: text, Self.yamsResolver)
            let actual = try CatalogYAML.load(text)
            if !Self.same(expected, actual) { differing.append(name) }
        }
        #expect(differing.isEmpty, "read differently: \(differing.prefix(10))")
    }

    @Test(arguments: [
        "yes", "No", "TRUE", "off", "'yes'", "\"true\"", "0x1F", "0o17", "017", "1_000", "1:30", "-5", "+5", "0", "0b101",
        "~", "null", "NULL", "''", "1.5", "2024-01-01", "1e3", "<<", "=", "!!str 5", "!!int 7", "!!bool yes",
        "12abc", "+", "https://example.com/a:1", "[1, yes, ~, x]", "{on: 1, 2: two, x: null}", "|\n  5\n",
    ])
    func scalarsAndCollectionsAsYams(_ text: String) throws {
        let document = "value: \(text)\n"
        let expected = try Yams.load(yaml: document, Self.yamsResolver)
        let actual = try CatalogYAML.load(document)
        #expect(Self.same(expected, actual), "\(text): Yams \(String(describing: expected)), ours \(String(describing: actual))")
    }

    @Test func emptyDocumentIsNil() throws {
        #expect(try CatalogYAML.load("") == nil)
        #expect(try CatalogYAML.load("# only a comment\n") == nil)
    }

    @Test func aliasesAreDereferenced() throws {
        let value = try #require(try CatalogYAML.load("a: &x {k: 1}\nb: *x\n") as? [String: Any])
        #expect((value["b"] as? [String: Any])?["k"] as? Int == 1)
    }

    /// Same values and same types (a Bool is not an Int, whatever NSNumber thinks).
    static func same(_ a: Any?, _ b: Any?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let x as NSNull, let y as NSNull): return x == y
        case (let x as Bool, let y as Bool) where type(of: a!) == Bool.self && type(of: b!) == Bool.self: return x == y
        case (let x as Int, let y as Int) where type(of: a!) == Int.self && type(of: b!) == Int.self: return x == y
        case (let x as String, let y as String): return x == y
        case (let x as [Any], let y as [Any]): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (let x as [String: Any], let y as [String: Any]):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { same(value, $0) } ?? false }
        case (let x as [AnyHashable: Any], let y as [AnyHashable: Any]):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { same(value, $0) } ?? false }
        default: return false
        }
    }
}
