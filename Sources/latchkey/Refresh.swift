import ArgumentParser
import Foundation
import LatchkeyCore
import LatchkeyServer

/// `latchkey refresh`: one bounded, concurrent refresh pass, for cron. Safe while servers and other passes run.
struct Refresh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Refresh OAuth credentials that expire soon (one pass, for cron).",
        discussion: "Exit status: 0 when every due credential was refreshed or marked needs_reauth; 1 when some refresh failed for a transient reason; 2 on a configuration error."
    )

    @Option(help: "Refresh tokens expiring within this long: 90s, 10m, 1h. Default: each provider's refresh window.")
    var within: String?
    @Option(help: "Token requests under way at once (the database writes of other refreshes overlap them).") var concurrency = 8
    @Flag(help: "Print one JSON object: due, refreshed, needs_reauth, failed, skipped (progress, every 10 s, as JSON lines on standard error).") var json = false
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let logger = LogSetup.logger()
        let window = try within.map { text -> TimeInterval in
            guard let seconds = Self.seconds(text) else { throw Fail.configuration("--within takes a duration such as 90s, 10m or 1h, not '\(text)'") }
            return seconds
        }
        guard concurrency > 0 else { throw Fail.configuration("--concurrency must be at least 1") }
        let limit = concurrency
        let meter = ProgressMeter(job: "refresh", json: json)
        let report = try await withRuntime(try common.configuration(), logger: logger) { runtime in
            try await runtime.refreshPass.run(within: window, concurrency: limit, progress: meter.report)
        }
        meter.finish()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("due \(report.due), refreshed \(report.refreshed), needs_reauth \(report.needsReauth), failed \(report.failed), skipped \(report.skipped)")
        }
        if report.failed > 0 { throw ExitCode(1) }
    }

    /// Parses `90s`, `10m`, `1h`, `2d` or a plain number of seconds.
    static func seconds(_ text: String) -> TimeInterval? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let value = Double(text), value >= 0 { return value }
        guard let unit = text.last, let factor = units[unit], let value = Double(text.dropLast()), value >= 0 else { return nil }
        return value * factor
    }
}
