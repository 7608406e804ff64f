import Foundation
import LatchkeyCore

/// The budget form of the group page: limit rows (`limit.N.provider`, `limit.N.per`, `limit.N.calls`,
/// `limit.N.remove`), `max_concurrent` and `expires_at`, read into a `Budget` through the API's input type
/// (`BudgetInput`); `BudgetService.setBudget` checks it further. A row without calls is blank and skipped; a ticked
/// "Remove" drops its row.
struct BudgetForm {
    /// One row of the limits table, as entered.
    struct Row {
        var provider: String
        var per: String
        var calls: String
    }

    /// Blank rows offered for new limits.
    static let blankRows = 2
    /// The most rows a submitted form may carry.
    static let maxRows = Budget.maxLimits + blankRows

    var rows: [Row]
    var maxConcurrent: String
    var expiresAt: String

    /// The form showing a saved budget.
    init(budget: Budget) {
        rows = budget.limits.map { Row(provider: $0.provider ?? "", per: $0.per.rawValue, calls: String($0.calls)) }
        maxConcurrent = budget.maxConcurrent.map(String.init) ?? ""
        expiresAt = budget.expiresAt.map { ISO8601DateFormatter().string(from: $0) } ?? ""
    }

    /// The form as submitted, without removed and blank rows.
    init(form: FormInput) {
        rows = []
        for index in 0..<Self.maxRows {
            guard let per = form["limit.\(index).per"] else { continue }
            let calls = (form["limit.\(index).calls"] ?? "").trimmingCharacters(in: .whitespaces)
            if form["limit.\(index).remove"] != nil || calls.isEmpty { continue }
            rows.append(Row(provider: form["limit.\(index).provider"] ?? "", per: per, calls: calls))
        }
        maxConcurrent = (form["max_concurrent"] ?? "").trimmingCharacters(in: .whitespaces)
        expiresAt = (form["expires_at"] ?? "").trimmingCharacters(in: .whitespaces)
    }

    /// The budget entered; errors name the row or field in words.
    func budget() throws(LatchkeyError) -> Budget {
        var input = BudgetInput(limits: [])
        for (index, row) in rows.enumerated() {
            guard let calls = Int(row.calls) else {
                throw .validationFailed(field: "limits[\(index)].calls", message: "Limit \(index + 1): calls must be a whole number, not '\(row.calls.prefix(20))'")
            }
            input.limits?.append(BudgetLimitInput(provider: row.provider.isEmpty ? nil : row.provider, per: row.per, calls: calls))
        }
        if !maxConcurrent.isEmpty {
            guard let cap = Int(maxConcurrent) else { throw .validationFailed(field: "max_concurrent", message: "Max concurrent calls: a whole number, or empty for no cap") }
            input.maxConcurrent = cap
        }
        if !expiresAt.isEmpty { input.expiresAt = Self.dateText(expiresAt) }
        do { return try input.budget() } catch {
            throw Self.worded(error)
        }
    }

    /// A date as people type it (`2027-01-31`, `2027-01-31T18:00`, `2027-01-31 18:00`), in UTC, as RFC 3339.
    static func dateText(_ text: String) -> String {
        var text = text.replacingOccurrences(of: " ", with: "T")
        if text.count == 10 { text += "T00:00" }
        if text.count == 16 { text += ":00" }
        if text.count == 19 { text += "Z" }
        return text
    }

    /// A validation error with its field named the way the form names it ("Limit 2: …").
    static func worded(_ error: LatchkeyError) -> LatchkeyError {
        guard case .validationFailed(let field, let message) = error else { return error }
        let label: String
        if field.hasPrefix("limits["), let close = field.firstIndex(of: "]"), let index = Int(field[field.index(field.startIndex, offsetBy: 7)..<close]) {
            label = "Limit \(index + 1): "
        } else if field == "max_concurrent" {
            label = "Max concurrent calls: "
        } else if field == "expires_at" {
            label = "Expiry: "
        } else {
            label = ""
        }
        return .validationFailed(field: field, message: message.hasPrefix(label.dropLast(2)) ? message : label + message)
    }

    /// The rows for the template (the entered ones, then blank ones), with the choices of provider and window.
    func view(providers: [(id: String, name: String)]) -> BudgetFormView {
        let all = rows + Array(repeating: Row(provider: "", per: "minute", calls: ""), count: Self.blankRows)
        let rows = all.enumerated().map { index, row in
            var known = providers
            if !row.provider.isEmpty, !known.contains(where: { $0.id == row.provider }) { known.append((row.provider, row.provider)) }
            let choices = [BudgetFormView.LimitRow.Option(id: "", name: "All providers", selected: row.provider.isEmpty)]
                + known.map { BudgetFormView.LimitRow.Option(id: $0.id, name: $0.name, selected: $0.id == row.provider) }
            return BudgetFormView.LimitRow(index: index, number: index + 1, calls: row.calls, isNew: index >= self.rows.count, providers: choices,
                                           periods: BudgetPeriod.allCases.map { .init(name: $0.rawValue, selected: $0.rawValue == row.per) })
        }
        return BudgetFormView(limitRows: rows, maxRows: Self.maxRows, maxConcurrent: maxConcurrent, expiresAt: expiresAt)
    }
}
