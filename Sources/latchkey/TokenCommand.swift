import ArgumentParser
import LatchkeyCore
import LatchkeyServer

/// `latchkey token create --user EMAIL`: prints a user API token, and nothing else, on standard output.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Manage user API tokens.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user API token (lku_…); it is shown once.")
        @Option(help: "The user's email.") var user: String
        @Option(help: "A label for the token.") var name = "cli"
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let logger = LogSetup.logger()
            do {
                let email = user, label = name
                print(try await withRuntime(try common.configurationWithoutCatalog(), logger: logger) { try await $0.users.createToken(email: email, name: label) })
            } catch let error as LatchkeyError {
                throw Fail.runtime(describe(error))
            }
        }
    }
}
