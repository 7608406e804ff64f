import ArgumentParser
import LatchkeyServer

/// `latchkey migrate`: apply pending schema migrations (every command also does this on start).
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let configuration = try common.configuration()
        do {
            let store = try await LatchkeyRuntime.openStore(configuration.database, logger: LogSetup.logger())
            await store.close()
        } catch let error as ConfigurationError {
            throw Fail.configuration(error.message)
        }
        print("The database at \(configuration.database) is up to date.")
    }
}
