import ArgumentParser
import Foundation
import LatchkeyServer
import Logging

/// The `latchkey` command: argument parsing and wiring only.
@main
struct Latchkey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latchkey",
        abstract: "An OAuth-aware credential broker for AI agents.",
        subcommands: [Serve.self, Refresh.self, Keys.self, UserCommand.self, TokenCommand.self, BudgetCommand.self, ApprovalsCommand.self, ProvidersCommand.self, Migrate.self]
    )

    static func main() async {
        ConcurrencyPool.runOnEventLoops()
        // Everything this process creates (database, WAL, key file) is for its owner's eyes only.
        umask(0o077)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
