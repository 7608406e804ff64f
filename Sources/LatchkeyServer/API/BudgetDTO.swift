import Foundation
import LatchkeyCore

/// A group's budget: `{"limits": [{"provider", "per", "calls"}], "max_concurrent", "expires_at"}`.
struct BudgetDTO: Encodable {
    let budget: Budget

    enum CodingKeys: String, CodingKey {
        case limits
        case maxConcurrent = "max_concurrent"
        case expiresAt = "expires_at"
    }

    struct LimitDTO: Encodable {
        let provider: String?, per: String, calls: Int

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(provider, forKey: .provider)
            try container.encode(per, forKey: .per)
            try container.encode(calls, forKey: .calls)
        }

        enum CodingKeys: String, CodingKey { case provider, per, calls }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(budget.limits.map { LimitDTO(provider: $0.provider, per: $0.per.rawValue, calls: $0.calls) }, forKey: .limits)
        try container.encode(budget.maxConcurrent, forKey: .maxConcurrent)
        try container.encode(budget.expiresAt, forKey: .expiresAt)
    }
}
