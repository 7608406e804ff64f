import Foundation
import LatchkeyCore

/// The group page's chart of calls per day per provider over the last 30 days: stacked bars drawn as inline SVG
/// by the template from the geometry computed here (no inline style: fills come from `series-N` classes in
/// style.css), with axis labels, a legend, and the same figures as a table.
struct UsageChart {
    static let days = 30
    static let width = 720.0, height = 240.0
    static let left = 44.0, right = 8.0, top = 12.0, bottom = 28.0
    /// Distinct fills in style.css (`series-0` … `series-7`); more providers reuse them.
    static let colours = 8

    let daily: [DailyUsage]
    let today: Date
    let providerName: (String) -> String

    /// The days shown, oldest first, as `YYYY-MM-DD` (UTC).
    var dayKeys: [String] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return (0..<Self.days).reversed().map { formatter.string(from: today.addingTimeInterval(-Double($0) * 86_400)) }
    }

    /// The chart for the template.
    func view() -> UsageChartView {
        let days = dayKeys
        let providers = Array(Set(daily.map(\.provider))).sorted()
        var calls: [String: [String: Int]] = [:]
        for entry in daily where days.contains(entry.day) { calls[entry.day, default: [:]][entry.provider, default: 0] += entry.calls }
        let peak = max(1, days.map { day in calls[day]?.values.reduce(0, +) ?? 0 }.max() ?? 0)
        let scale = Self.niceCeiling(peak)
        let plotWidth = Self.width - Self.left - Self.right, plotHeight = Self.height - Self.top - Self.bottom
        let slot = plotWidth / Double(days.count)
        var bars: [UsageChartView.Bar] = []
        var labels: [UsageChartView.DayLabel] = []
        for (index, day) in days.enumerated() {
            let x = Self.left + Double(index) * slot
            var base = Self.top + plotHeight
            for (series, provider) in providers.enumerated() {
                guard let count = calls[day]?[provider], count > 0 else { continue }
                let h = plotHeight * Double(count) / Double(scale)
                base -= h
                bars.append(.init(x: Self.f(x + slot * 0.15), y: Self.f(base), width: Self.f(slot * 0.7), height: Self.f(h),
                                  series: series % Self.colours, day: day, provider: provider, calls: count,
                                  label: "\(day): \(count) \(count == 1 ? "call" : "calls") to \(providerName(provider))"))
            }
            if index % 5 == 4 || index == days.count - 1 {
                labels.append(.init(x: Self.f(x + slot / 2), y: Self.f(Self.height - 8), text: String(day.dropFirst(5))))
            }
        }
        let ticks = Array(Set([0, scale / 2, scale])).sorted().map { value in
            let y = Self.top + plotHeight - plotHeight * Double(value) / Double(scale)
            return UsageChartView.Tick(y: Self.f(y), textY: Self.f(y + 4), value: value)
        }
        let total = daily.filter { days.contains($0.day) }.map(\.calls).reduce(0, +)
        let rows: [UsageChartView.DayRow] = days.reversed().compactMap { day in
            guard let byProvider = calls[day], !byProvider.isEmpty else { return nil }
            return .init(day: day, cells: providers.map { .init(provider: $0, calls: byProvider[$0] ?? 0) })
        }
        return UsageChartView(
            width: Self.f(Self.width), height: Self.f(Self.height), viewBox: "0 0 \(Self.f(Self.width)) \(Self.f(Self.height))",
            axisX1: Self.f(Self.left), axisX2: Self.f(Self.width - Self.right), axisY: Self.f(Self.top + plotHeight),
            tickX: Self.f(Self.left - 6), bars: bars, labels: labels, ticks: ticks, total: total,
            description: "Stacked bars, one per day from \(days.first ?? "") to \(days.last ?? "") (UTC); \(total) calls in all"
                + (providers.isEmpty ? "." : " to " + providers.map(providerName).joined(separator: ", ") + "."),
            legend: providers.enumerated().map { .init(series: $0.offset % Self.colours, provider: $0.element, name: providerName($0.element)) },
            providers: providers.map { .init(provider: $0, name: providerName($0)) },
            chartRows: rows, chartEmpty: total == 0
        )
    }

    /// The smallest of 1, 2, 5 × 10ⁿ at least `value`, so the axis reads in round numbers.
    static func niceCeiling(_ value: Int) -> Int {
        var magnitude = 1
        while true {
            for step in [1, 2, 5] where step * magnitude >= value { return step * magnitude }
            magnitude *= 10
        }
    }

    /// A coordinate with at most one decimal.
    static func f(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
