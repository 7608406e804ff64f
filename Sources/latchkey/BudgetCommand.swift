import ArgumentParser
import Foundation
import LatchkeyCore
import LatchkeyServer

/// `latchkey budget show|set|usage`: a group's budget from the terminal, acting as a user (members for their own
/// groups, admins for every group), audited as that user.
struct BudgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "budget", abstract: "Show or set an agent group's budget and usage.",
                                                    subcommands: [Show.self, Set.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a group's limits and their usage in the current windows.")
        @Argument(help: "The group's id (grp_…).") var group: String
        @Option(help: "Act as this user (members see their own groups, admins all).") var user: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let (groupID, email, asJSON) = (group, user, json)
            try await CLIActing.run(common, email: email) { runtime, actor in
                let budget = try await runtime.budgets.budget(user: actor, groupID: groupID)
                let usage = try await runtime.budgets.usage(user: actor, groupID: groupID)
                CLIActing.printBudget(budget, usage: usage.limits, concurrent: usage.concurrent, json: asJSON)
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace a group's budget.",
                                                        discussion: "Example: latchkey budget set grp_… --user owner@example.com --limit '*:minute:100' --limit openai:day:5000 --max-concurrent 4")
        @Argument(help: "The group's id (grp_…).") var group: String
        @Option(help: "Act as this user (members set their own groups', admins any).") var user: String
        @Option(help: "A limit as PROVIDER:PER:CALLS; PROVIDER '*' for all providers, PER minute, hour, day or month. Repeat for more.")
        var limit: [String] = []
        @Option(help: "The most calls in flight at once (per server).") var maxConcurrent: Int?
        @Option(help: "When the group's keys stop working (RFC 3339, e.g. 2027-01-31T18:00:00Z).") var expiresAt: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var common: CommonOptions

        func run() async throws {
            var budget = Budget(maxConcurrent: maxConcurrent)
            for text in limit {
                let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 3, let per = BudgetPeriod(rawValue: parts[1]), let calls = Int(parts[2]) else {
                    throw Fail.runtime("--limit '\(text)' must be PROVIDER:PER:CALLS, e.g. '*:minute:100' or openai:day:5000")
                }
                budget.limits.append(BudgetLimit(provider: parts[0] == "*" ? nil : parts[0], per: per, calls: calls))
            }
            if let expiresAt {
                guard let date = ISO8601DateFormatter().date(from: expiresAt) else { throw Fail.runtime("--expires-at must be an RFC 3339 date-time such as 2027-01-31T18:00:00Z") }
                budget.expiresAt = date
            }
            let (groupID, email, asJSON, wanted) = (group, user, json, budget)
            try await CLIActing.run(common, email: email) { runtime, actor in
                let saved = try await runtime.budgets.setBudget(user: actor, groupID: groupID, budget: wanted)
                CLIActing.printBudget(saved, usage: nil, concurrent: nil, json: asJSON)
            }
        }
    }
}
