import Foundation

/// The words and numbers of a progress report at one moment: count, rate and time left, for people and machines.
public struct ProgressLine: Sendable, Equatable {
    /// The job's name: "refresh", "keys rotate".
    public let job: String
    /// Where it stands.
    public let progress: WorkProgress
    /// Seconds since the job started counting.
    public let elapsed: Double

    /// Creates a line.
    public init(job: String, progress: WorkProgress, elapsed: Double) {
        self.job = job
        self.progress = progress
        self.elapsed = elapsed
    }

    /// Units per second so far; nil until there is something to divide.
    public var rate: Double? {
        guard progress.done > 0, elapsed > 0 else { return nil }
        return Double(progress.done) / elapsed
    }

    /// Seconds left at the rate so far; nil while the rate is unknown.
    public var secondsLeft: Double? {
        guard let rate else { return nil }
        return Double(max(0, progress.total - progress.done)) / rate
    }

    /// `refresh: 1,234 of 10,000 credentials (12%), 410/s, about 21 s left`.
    public var text: String {
        let percent = progress.total > 0 ? min(100, progress.done * 100 / progress.total) : 100
        var line = "\(job): \(Self.grouped(progress.done)) of \(Self.grouped(progress.total)) \(progress.what) (\(percent)%)"
        if let rate { line += ", \(Self.rateText(rate))/s" }
        if progress.done < progress.total, let secondsLeft { line += ", about \(Self.duration(secondsLeft)) left" }
        return line
    }

    /// One JSON object: `{"job", "what", "done", "total", "rate_per_second", "seconds_left"}` (the last two null
    /// while unknown).
    public var json: String {
        func number(_ value: Double?) -> String {
            guard let value, value.isFinite else { return "null" }
            return String(format: "%.1f", value)
        }
        return #"{"job":"\#(job)","what":"\#(progress.what)","done":\#(progress.done),"total":\#(progress.total),"#
            + #""rate_per_second":\#(number(rate)),"seconds_left":\#(number(secondsLeft))}"#
    }

    /// 1234567 → "1,234,567".
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }

    /// A rate with as many decimals as are worth reading.
    static func rateText(_ rate: Double) -> String {
        rate >= 100 ? grouped(Int(rate.rounded())) : String(format: rate >= 10 ? "%.0f" : "%.1f", rate)
    }

    /// 42 → "42 s", 150 → "2 min 30 s", 7300 → "2 h 1 min".
    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return "\(whole / 60) min \(whole % 60) s" }
        return "\(whole / 3600) h \(whole % 3600 / 60) min"
    }
}
