import ArgumentParser
import Foundation
import LatchkeyCore
import LatchkeyServer

/// `latchkey user add`.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage users.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user. Without --password-stdin a random password is generated and printed once.")
        @Argument(help: "The user's email.") var email: String
        @Flag(help: "Make the user an admin.") var admin = false
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let logger = LogSetup.logger()
            let password: String
            var generated = false
            if passwordStdin {
                guard let line = readLine(strippingNewline: true) else { throw Fail.runtime("no password on standard input") }
                password = line
            } else {
                password = SecretToken.generate(.userAPIToken).value.dropFirst(4).prefix(24).description
                generated = true
            }
            do {
                let role: User.Role = admin ? .admin : .member
                let user = try await withRuntime(try common.configurationWithoutCatalog(), logger: logger) { try await $0.users.add(email: email, password: password, role: role) }
                print("Added \(user.email) (\(user.role.rawValue)).")
                if generated { print("Password (shown once): \(password)") }
            } catch let error as LatchkeyError {
                throw Fail.runtime(describe(error))
            }
        }
    }
}

/// A domain error as a sentence for the terminal.
func describe(_ error: LatchkeyError) -> String {
    switch error {
    case .validationFailed(_, let message), .conflict(let message), .badRequest(let message), .forbidden(let message): message
    case .notFound(let what): "no such \(what)"
    default: "\(error)"
    }
}
