import ArgumentParser
import Foundation
import LatchkeyCore
import LatchkeyServer

/// `latchkey providers list|check`.
struct ProvidersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "providers", abstract: "Inspect the provider catalog.", subcommands: [List.self, Check.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the providers this deployment knows.")
        @OptionGroup var common: CommonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let catalog = try loadCatalog(try common.configuration().providerSources)
            if json {
                let rows: [[String: String]] = catalog.all.map { p in
                    var row = ["id": p.id, "name": p.name, "auth_mode": p.authMode.rawValue, "base_url": p.baseURL.source, "kind": p.mcp == nil ? "api" : "mcp"]
                    row["mcp_url"] = p.mcp?.url
                    return row
                }
                print(String(decoding: try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys]), as: UTF8.self))
            } else {
                let width = catalog.all.map(\.id.count).max() ?? 0
                for p in catalog.all {
                    // Remote MCP servers are marked: their tools come from the server, reached at /mcp and /mcp/{id}.
                    print(p.id.padding(toLength: width + 2, withPad: " ", startingAt: 0) + p.authMode.rawValue.padding(toLength: 27, withPad: " ", startingAt: 0)
                        + (p.mcp == nil ? "     " : "mcp  ") + p.name)
                }
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate provider files; every problem is reported with its file and key path.",
            discussion: "Without DIR, checks the configured catalog (the shipped one under the strict rules: https only, docs links). With DIR, checks that directory as operator files (http allowed on loopback and private hosts) unless --strict."
        )
        @Argument(help: "A directory of provider files.") var directory: String?
        @Flag(help: "Apply the shipped-catalog rules to DIR, and require every pinned API version to declare proxy.api_version and still be supported today.") var strict = false
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let sources = try directory.map { [CatalogSource(directory: $0, strict: strict)] } ?? common.configuration().providerSources
            let catalog = try loadCatalog(sources)
            if strict {
                let stale = CatalogFreshness.issues(in: catalog.all, today: CalendarDay(Date()))
                guard stale.isEmpty else {
                    throw Fail.configuration("the provider catalog pins stale or undeclared API versions (\(stale.count) problem(s)):\n"
                        + stale.map(\.description).joined(separator: "\n"))
                }
            }
            print("OK: \(catalog.providers.count) provider(s) in \(sources.map(\.directory).joined(separator: ", "))")
        }
    }
}

/// Loads a catalog or exits with status 2, listing every problem.
func loadCatalog(_ sources: [CatalogSource]) throws -> Catalog {
    do {
        return try CatalogLoader.load(sources)
    } catch {
        throw Fail.configuration("the provider catalog is invalid (\(error.issues.count) problem(s)):\n" + error.description)
    }
}
