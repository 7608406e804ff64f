import Foundation

/// The length of a budget window. Windows are fixed and aligned to UTC: a minute starts at :00, an hour at the hour,
/// a day at midnight UTC, a month on its first day.
public enum BudgetPeriod: String, Sendable, Codable, CaseIterable, Comparable {
    case minute, hour, day, month

    public static func < (lhs: BudgetPeriod, rhs: BudgetPeriod) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }

    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current
        return calendar
    }()

    /// The window that contains `date`: its start (inclusive) and end (exclusive).
    public func window(containing date: Date) -> (start: Date, end: Date) {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        switch self {
        case .minute:
            let start = (seconds / 60).rounded(.down) * 60
            return (Date(timeIntervalSince1970: start), Date(timeIntervalSince1970: start + 60))
        case .hour:
            let start = (seconds / 3600).rounded(.down) * 3600
            return (Date(timeIntervalSince1970: start), Date(timeIntervalSince1970: start + 3600))
        case .day:
            let start = (seconds / 86_400).rounded(.down) * 86_400
            return (Date(timeIntervalSince1970: start), Date(timeIntervalSince1970: start + 86_400))
        case .month:
            let parts = Self.utc.dateComponents([.year, .month], from: date)
            let start = Self.utc.date(from: parts) ?? Date(timeIntervalSince1970: seconds)
            let end = Self.utc.date(byAdding: .month, value: 1, to: start) ?? start.addingTimeInterval(31 * 86_400)
            return (start, end)
        }
    }
}
