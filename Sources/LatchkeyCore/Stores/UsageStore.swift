import Foundation

/// The daily usage counts: what `UsageRecorder` adds to and reads.
public protocol UsageStore: Sendable {
    /// Adds counts to the daily usage rows.
    func addUsage(_ usage: [DailyUsage]) async throws
    /// The group's daily usage from `sinceDay` (`YYYY-MM-DD`) on, by day then provider.
    func dailyUsage(groupID: String, sinceDay: String) async throws -> [DailyUsage]
}
