import Foundation
import LatchkeyCore
import Testing

@Suite struct BudgetPeriodTests {
    static let date = Date(timeIntervalSince1970: 1_796_000_123.5)  // 2026-11-30T00:55:23.5Z

    @Test func windowsAreAlignedToUTC() {
        let minute = BudgetPeriod.minute.window(containing: Self.date)
        #expect(minute.start.timeIntervalSince1970 == 1_796_000_100 && minute.end.timeIntervalSince1970 == 1_796_000_160)
        let hour = BudgetPeriod.hour.window(containing: Self.date)
        #expect(hour.start.timeIntervalSince1970 == 1_795_996_800)
        let day = BudgetPeriod.day.window(containing: Self.date)
        #expect(day.start.timeIntervalSince1970 == 1_795_996_800 && day.end.timeIntervalSince1970 == 1_796_083_200)
        let month = BudgetPeriod.month.window(containing: Self.date)
        #expect(ISO8601DateFormatter().string(from: month.start) == "2026-11-01T00:00:00Z")
        #expect(ISO8601DateFormatter().string(from: month.end) == "2026-12-01T00:00:00Z")
    }

    @Test func usageDaysAreUTCDates() {
        #expect(UsageRecorder.day(of: Self.date) == "2026-11-30")
        #expect(UsageRecorder.day(of: Date(timeIntervalSince1970: 0)) == "1970-01-01")
        #expect(UsageRecorder.day(of: Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29")
        #expect(UsageRecorder.day(of: Date(timeIntervalSince1970: 1_803_859_199)) == "2027-02-28")
    }
}
