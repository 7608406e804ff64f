import Foundation
import Hummingbird
import Mustache

/// The dashboard's templates and static files, loaded once at start-up from `web/`.
public struct WebAssets: Sendable {
    let library: MustacheLibrary
    let statics: [String: (ByteBuffer, String)]

    /// Loads `directory/templates/*.mustache` and `directory/static/*`.
    public static func load(directory: String) async throws -> WebAssets {
        let library = try templates(in: directory + "/templates")
        var statics: [String: (ByteBuffer, String)] = [:]
        let types = ["css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml", "png": "image/png", "ico": "image/x-icon"]
        let staticDirectory = directory + "/static"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: staticDirectory)) ?? [] {
            guard let data = FileManager.default.contents(atPath: staticDirectory + "/" + name), let type = types[(name as NSString).pathExtension] else { continue }
            statics[name] = (ByteBuffer(data: data), type)
        }
        return WebAssets(library: library, statics: statics)
    }

    /// Every template, each with the pragma that renders its values through `HTMLEscaping` put in front: the
    /// library's default escaping is never used, whatever a template file says or forgets (partials included, which
    /// the library renders with its default otherwise).
    static func templates(in directory: String) throws -> MustacheLibrary {
        MustacheContentTypes.register(HTMLEscaping(), named: HTMLEscaping.name)
        var library = MustacheLibrary()
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".mustache") }.sorted()
        for file in files {
            guard let data = FileManager.default.contents(atPath: directory + "/" + file) else { continue }
            let text = "{{% CONTENT_TYPE: \(HTMLEscaping.name) }}" + String(decoding: data, as: UTF8.self)
            do { try library.register(text, named: String(file.dropLast(".mustache".count))) } catch {
                throw ConfigurationError("the dashboard template \(file) does not parse: \(error)")
            }
        }
        return library
    }

    /// The dashboard directory: `LATCHKEY_WEB_DIR`, `./web`, or next to the binary.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let configured = environment["LATCHKEY_WEB_DIR"] { return configured }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = ["web", executable.appendingPathComponent("../../../web").standardized.path, executable.appendingPathComponent("../../web").standardized.path,
                          executable.appendingPathComponent("../share/latchkey/web").standardized.path]
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/templates/layout.mustache") }
    }
}
