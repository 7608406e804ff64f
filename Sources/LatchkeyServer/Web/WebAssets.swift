import Foundation
import Hummingbird
import Mustache

/// The dashboard's templates and static files, loaded once at start-up from `web/`.
public struct WebAssets: Sendable {
    let library: MustacheLibrary
    let statics: [String: (ByteBuffer, String)]

    /// Loads `directory/templates/*.mustache` and `directory/static/*`.
    public static func load(directory: String) async throws -> WebAssets {
        let library = try await MustacheLibrary(directory: directory + "/templates")
        var statics: [String: (ByteBuffer, String)] = [:]
        let types = ["css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml", "png": "image/png", "ico": "image/x-icon"]
        let staticDirectory = directory + "/static"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: staticDirectory)) ?? [] {
            guard let data = FileManager.default.contents(atPath: staticDirectory + "/" + name), let type = types[(name as NSString).pathExtension] else { continue }
            statics[name] = (ByteBuffer(data: data), type)
        }
        return WebAssets(library: library, statics: statics)
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
