import Foundation
import LatchkeyCore

/// `{"limits": [{"provider", "per", "calls", "used", "resets_at"}], "concurrent": n, "days": [...]}`.
struct UsageDTO: Encodable {
    let limits: [LimitUsage]
    let concurrent: Int
    let days: [DailyUsage]

    enum CodingKeys: String, CodingKey { case limits, concurrent, days }

    struct Limit: Encodable {
        let usage: LimitUsage
        enum CodingKeys: String, CodingKey { case provider, per, calls, used, resetsAt = "resets_at" }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(usage.limit.provider, forKey: .provider)
            try container.encode(usage.limit.per.rawValue, forKey: .per)
            try container.encode(usage.limit.calls, forKey: .calls)
            try container.encode(usage.used, forKey: .used)
            try container.encode(usage.resetsAt, forKey: .resetsAt)
        }
    }

    struct Day: Encodable {
        let day: String, provider: String, calls: Int, refused: Int
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(limits.map(Limit.init), forKey: .limits)
        try container.encode(concurrent, forKey: .concurrent)
        try container.encode(days.map { Day(day: $0.day, provider: $0.provider, calls: $0.calls, refused: $0.refused) }, forKey: .days)
    }
}
