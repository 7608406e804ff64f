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
        if try await runtime.store.userCount() == 0 {
            logger.notice("No users yet: create the first admin with `latchkey user add you@example.com --admin`, then an API token with `latchkey token create --user you@example.com`")
        }
        let app = ApplicationBuilder.application(runtime: runtime, logger: logger)
        try await app.runService()
    }
}
