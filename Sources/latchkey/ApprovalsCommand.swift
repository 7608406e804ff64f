import ArgumentParser
import Foundation
import LatchkeyCore
import LatchkeyServer

/// `latchkey approvals list|approve|deny`: approval requests from the terminal, acting as a user.
struct ApprovalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "approvals", abstract: "List and decide approval requests.",
                                                    subcommands: [List.self, Approve.self, Deny.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List approval requests the user may decide.")
        @Option(help: "Act as this user.") var user: String
        @Option(help: "pending, approved, denied or all.") var status = "pending"
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let wanted: Approval.Status?
            if status == "all" { wanted = nil } else {
                guard let parsed = Approval.Status(rawValue: status) else { throw Fail.runtime("--status must be pending, approved, denied or all") }
                wanted = parsed
            }
            let (email, asJSON) = (user, json)
            try await CLIActing.run(common, email: email) { runtime, actor in
                let now = runtime.clock.now
                let found = try await runtime.approvals.list(user: actor, status: wanted).filter { wanted != .pending || $0.expiresAt > now }
                CLIActing.printApprovals(found, now: now, links: runtime.links, json: asJSON)
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a request: once, or for a duration.")
        @Argument(help: "The approval's id (apr_…).") var id: String
        @Option(help: "Act as this user.") var user: String
        @Option(help: "Let matching calls through for this many seconds (default: one call).") var forSeconds: Int?
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let (approvalID, email, seconds) = (id, user, forSeconds)
            try await CLIActing.run(common, email: email) { runtime, actor in
                let decided = try await runtime.approvals.decide(user: actor, id: approvalID, approve: true, forSeconds: seconds)
                print("Approved \(decided.method) \(decided.path) on \(decided.provider) \(decided.once ? "once" : "until \(ISO8601DateFormatter().string(from: decided.expiresAt))").")
            }
        }
    }

    struct Deny: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deny a request; the same call stays refused.")
        @Argument(help: "The approval's id (apr_…).") var id: String
        @Option(help: "Act as this user.") var user: String
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let (approvalID, email) = (id, user)
            try await CLIActing.run(common, email: email) { runtime, actor in
                let decided = try await runtime.approvals.decide(user: actor, id: approvalID, approve: false, forSeconds: nil)
                print("Denied \(decided.method) \(decided.path) on \(decided.provider).")
            }
        }
    }
}
