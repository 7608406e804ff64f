import ArgumentParser
import Hummingbird
import LatchkeyServer

/// `latchkey serve`: the management API, the agent proxy and the operations endpoints.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Latchkey server.")

    @Option(help: "Address to listen on (env LATCHKEY_HOST).") var host: String?
    @Option(help: "Port to listen on; 0 picks a free one (env LATCHKEY_PORT).") var port: Int?
    @Option(help: "The URL people and agents reach this server at (env LATCHKEY_PUBLIC_URL).") var publicURL: String?
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let logger = LogSetup.logger()
        let configuration = try common.configuration(host: host, port: port, publicURL: publicURL)
        let runtime = try await openRuntime(configuration, createKey: true, logger: logger)
        logger.info("Opened the database", metadata: ["database": "\(configuration.database)", "providers": "\(runtime.catalog.providers.count)"])
        var web: WebAssets?
        if let directory = WebAssets.locate() {
            do { web = try await WebAssets.load(directory: directory) } catch {
                throw Fail.configuration("the dashboard templates in \(directory) do not load: \(error)")
            }
        } else {
            logger.warning("No dashboard templates found (run from the repository root or set LATCHKEY_WEB_DIR); serving the API only")
        }
        if let link = try await runtime.setup.link() {
            // The one moment the setup link exists: it lets whoever holds it create the first admin, once.
            logger.notice("No users yet. Open this one-time link to create the first admin: \(link)")
            logger.notice("(Or from a shell: `latchkey user add you@example.com --admin`.)")
        }
        let app = ApplicationBuilder.application(runtime: runtime, logger: logger, web: web)
        try await app.runService()
    }
}
