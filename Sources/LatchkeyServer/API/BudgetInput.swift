import Foundation
import LatchkeyCore

/// `PUT /api/v1/groups/{id}/budget`: `{"limits": [{"provider", "per", "calls"}], "max_concurrent", "expires_at"}`,
/// each optional. `budget()` checks the values; `BudgetService.setBudget` checks them further.
struct BudgetInput: Decodable, Sendable {
    var limits: [BudgetLimitInput]?
    var maxConcurrent: Int?
    var expiresAt: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case limits, maxConcurrent = "max_concurrent", expiresAt = "expires_at"
    }

    /// The budget, every error naming its field.
    func budget() throws(LatchkeyError) -> Budget {
        var budget = Budget()
        for (index, limit) in (limits ?? []).enumerated() {
            guard let per = BudgetPeriod(rawValue: limit.per) else {
                throw .validationFailed(field: "limits[\(index)].per", message: "'per' must be one of minute, hour, day, month")
            }
            budget.limits.append(BudgetLimit(provider: limit.provider, per: per, calls: limit.calls ?? -1))
        }
        budget.maxConcurrent = maxConcurrent
        if let expiresAt {
            guard let date = Self.parseDate(expiresAt) else {
                throw .validationFailed(field: "expires_at", message: "'expires_at' must be an RFC 3339 date-time such as 2027-01-31T18:00:00Z, or null")
            }
            budget.expiresAt = date
        }
        return budget
    }

    /// An RFC 3339 date-time, with or without fractional seconds.
    static func parseDate(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
