import Foundation
import LatchkeyCore

/// Reads a budget from a request's JSON: `{"limits": [{"provider", "per", "calls"}], "max_concurrent", "expires_at"}`.
enum BudgetInput {
    static func parse(_ input: JSONInput) throws(LatchkeyError) -> Budget {
        var budget = Budget()
        switch input.object["limits"] {
        case nil, is NSNull: break
        case let list as [Any]:
            for (index, item) in list.enumerated() {
                let field = "limits[\(index)]"
                guard let limit = item as? [String: Any] else { throw .validationFailed(field: field, message: "'\(field)' must be an object") }
                try PolicyInput.refuseUnknown(limit, allowed: ["provider", "per", "calls"], field: field)
                let provider: String?
                switch limit["provider"] {
                case nil, is NSNull: provider = nil
                case let text as String: provider = text
                default: throw .validationFailed(field: "\(field).provider", message: "'provider' must be a provider id, or null for all providers")
                }
                guard let perText = limit["per"] as? String, let per = BudgetPeriod(rawValue: perText) else {
                    throw .validationFailed(field: "\(field).per", message: "'per' must be one of minute, hour, day, month")
                }
                budget.limits.append(BudgetLimit(provider: provider, per: per, calls: try integer(limit["calls"], field: "\(field).calls") ?? -1))
            }
        default: throw .validationFailed(field: "limits", message: "'limits' must be a list")
        }
        budget.maxConcurrent = try integer(input.object["max_concurrent"], field: "max_concurrent")
        switch input.object["expires_at"] {
        case nil, is NSNull: break
        case let text as String:
            guard let date = parseDate(text) else {
                throw .validationFailed(field: "expires_at", message: "'expires_at' must be an RFC 3339 date-time such as 2027-01-31T18:00:00Z, or null")
            }
            budget.expiresAt = date
        default: throw .validationFailed(field: "expires_at", message: "'expires_at' must be an RFC 3339 date-time, or null")
        }
        return budget
    }

    /// A whole JSON number (not a boolean, not a fraction); nil for absent or null.
    static func integer(_ value: Any?, field: String) throws(LatchkeyError) -> Int? {
        switch value {
        case nil, is NSNull: return nil
        case let number as NSNumber where String(cString: number.objCType) != "c":
            let double = number.doubleValue
            guard double.rounded() == double, abs(double) < 1e15 else { throw .validationFailed(field: field, message: "'\(field)' must be a whole number") }
            return Int(double)
        default: throw .validationFailed(field: field, message: "'\(field)' must be a whole number")
        }
    }

    static func parseDate(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
