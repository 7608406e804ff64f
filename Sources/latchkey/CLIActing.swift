import ArgumentParser
import Foundation
import LatchkeyCore
import LatchkeyServer

/// Commands that act as a user (`--user EMAIL`), with that user's permissions, and their output.
enum CLIActing {
    /// Opens the runtime, finds the user and runs `body`; domain errors become one line on standard error.
    static func run(_ common: CommonOptions, email: String, _ body: @escaping (LatchkeyRuntime, User) async throws -> Void) async throws {
        let logger = LogSetup.logger()
        do {
            try await withRuntime(try common.configuration(), logger: logger) { runtime in
                guard let actor = try await runtime.store.user(email: email.lowercased()) else { throw LatchkeyError.notFound("user \(email)") }
                try await body(runtime, actor)
            }
        } catch let error as LatchkeyError {
            throw Fail.runtime(describe(error))
        }
    }

    static func printBudget(_ budget: Budget, usage: [LimitUsage]?, concurrent: Int?, json: Bool) {
        let formatter = ISO8601DateFormatter()
        if json {
            var limits: [[String: Any]] = []
            for (index, limit) in budget.limits.enumerated() {
                var row: [String: Any] = ["provider": limit.provider ?? NSNull(), "per": limit.per.rawValue, "calls": limit.calls]
                if let usage, usage.indices.contains(index) {
                    row["used"] = usage[index].used
                    row["resets_at"] = formatter.string(from: usage[index].resetsAt)
                }
                limits.append(row)
            }
            var object: [String: Any] = ["limits": limits, "max_concurrent": budget.maxConcurrent ?? NSNull(),
                                         "expires_at": budget.expiresAt.map(formatter.string(from:)) ?? NSNull()]
            if let concurrent { object["concurrent"] = concurrent }
            printJSON(object)
            return
        }
        if budget.limits.isEmpty { print("No call limits.") }
        for (index, limit) in budget.limits.enumerated() {
            var line = "\(limit.calls) calls per \(limit.per.rawValue) to \(limit.provider ?? "all providers")"
            if let usage, usage.indices.contains(index) { line += ": \(usage[index].used) used, resets \(formatter.string(from: usage[index].resetsAt))" }
            print(line)
        }
        print("Concurrent calls: \(budget.maxConcurrent.map { "at most \($0) per server" } ?? "no cap")\(concurrent.map { " (\($0) in flight here)" } ?? "")")
        print("Expires: \(budget.expiresAt.map(formatter.string(from:)) ?? "never")")
    }

    static func printApprovals(_ approvals: [Approval], now: Date, links: SetupLinks, json: Bool) {
        let formatter = ISO8601DateFormatter()
        if json {
            printJSON(["approvals": approvals.map { a -> [String: Any] in
                ["id": a.id, "group_id": a.groupID, "provider": a.provider, "method": a.method, "path": a.path, "rule": a.rule,
                 "status": a.effectiveStatus(at: now), "created_at": formatter.string(from: a.createdAt), "approval_url": links.approval(id: a.id)]
            }])
            return
        }
        if approvals.isEmpty { print("No approval requests.") }
        for a in approvals {
            print("\(a.id)  \(a.effectiveStatus(at: now))  \(a.provider) \(a.method) \(a.path)  group \(a.groupID)  \(formatter.string(from: a.createdAt))")
        }
    }

    static func printJSON(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        print(String(decoding: data, as: UTF8.self))
    }
}
