/// One limit of a budget: `{"provider": id or null for all, "per": "minute" | "hour" | "day" | "month", "calls"}`.
struct BudgetLimitInput: Decodable, Sendable {
    var provider: String?
    var per: String
    var calls: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case provider, per, calls
    }
}
