import Foundation
import Testing
@testable import LatchkeyServer

/// Every dashboard template, rendered with a hostile value in every variable and section it names, shows none of
/// them as markup: no tag, no quote leaving an attribute, whatever Unicode marks surround them.
@Suite struct TemplateEscapingTests {
    static let payloads = [
        "\"\u{301}><img src=x id=injected>",            // a quote and a bracket each fused with a combining mark
        "\u{600}<form id=injected action=//evil.example>", // a bracket behind a prepended concatenation mark
        "'\u{301} onfocus=alert(1) autofocus x='",
        "<script id=injected>alert(1)</script>",
        "`\u{20DD}<svg/onload=alert(1)>",
    ]

    static var templatesDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../web/templates").standardized.path
    }

    @Test(arguments: payloads)
    func everyTemplateEscapesEveryValue(_ payload: String) throws {
        let library = try WebAssets.templates(in: Self.templatesDirectory)
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.templatesDirectory).filter { $0.hasSuffix(".mustache") }
        #expect(files.count >= 10)
        for file in files {
            let source = try String(contentsOfFile: Self.templatesDirectory + "/" + file, encoding: .utf8)
            let html = try #require(library.render(Self.hostileContext(for: source, payload: payload), withTemplate: String(file.dropLast(9))), "\(file)")
            // `<svg/onload`, not `<svg`: the group page draws its chart as inline SVG.
            for raw in ["<img", "<form id=injected", "<script id", "<svg/onload", "\"\u{301}>", "'\u{301} onfocus"] {
                #expect(!html.contains(raw), "\(file) rendered \(raw) raw")
            }
        }
    }

    @Test func theEscapingWorksOnBytesNotGraphemes() {
        #expect(HTMLEscaping.escape("\"\u{301}>") == "&quot;\u{301}&gt;")
        #expect(HTMLEscaping.escape("\u{600}<") == "\u{600}&lt;")
        #expect(HTMLEscaping.escape("a&b'c`") == "a&amp;b&#39;c&#96;")
        #expect(HTMLEscaping.escape("plain é") == "plain é")
    }

    /// Every `{{name}}`, `{{#name}}` and dotted path the template mentions, filled with the payload; sections get a
    /// one-element list of the same, so their insides render too.
    static func hostileContext(for source: String, payload: String) -> [String: Any] {
        let names = Set(source.matches(of: /\{\{[#^\/&{]?\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}?\}\}/).map { String($0.output.1) })
        var leaf: [String: Any] = [:]
        for name in names {
            for part in name.split(separator: ".") { leaf[String(part)] = payload }
        }
        var context = leaf
        for name in names {
            let first = String(name.split(separator: ".")[0])
            if source.contains("{{#\(first)}}") || source.contains("{{^\(first)}}") { context[first] = [leaf] }
        }
        return context
    }
}
