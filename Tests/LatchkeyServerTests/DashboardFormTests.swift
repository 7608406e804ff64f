import Foundation
import LatchkeyCore
import Testing
@testable import LatchkeyServer

/// The group page's rules and budget forms, and the chart's geometry (issue 15 item 5).
@Suite struct DashboardFormTests {
    static let tools = ["request"]
    static let catalog = Catalog(providers: [])

    static func policyForm(_ fields: [String: String]) -> PolicyForm {
        var values = fields
        for method in PolicyForm.methods where values["method.\(method)"] == nil && fields["methods"] == nil { values["method.\(method)"] = "on" }
        if let methods = fields["methods"] { for method in methods.split(separator: ",") { values["method.\(method)"] = "on" } }
        values["tool.request"] = "on"
        return PolicyForm(form: FormInput(values: values), tools: tools)
    }

    @Test func everythingTickedAndNothingEnteredIsNoPolicy() throws {
        #expect(try Self.policyForm([:]).policy(provider: "x", tools: Self.tools, catalog: Self.catalog) == nil)
    }

    @Test func readOnlyRulesAndApprovalLinesBecomeThePolicyTheAPIWouldStore() throws {
        let form = Self.policyForm(["methods": "GET,HEAD", "paths": " /repos/acme/**\r\n\n/user ", "approve": "POST,DELETE /repos/**,/x\n* /admin"])
        let policy = try #require(try form.policy(provider: "x", tools: Self.tools, catalog: Self.catalog))
        #expect(policy.methods == ["GET", "HEAD"])
        #expect(policy.paths?.map(\.text) == ["/repos/acme/**", "/user"])
        #expect(policy.tools == nil)
        #expect(policy.approve.map(\.summary) == ["POST,DELETE /repos/**,/x", "* /admin"])
        // And back: the saved policy fills the form the same way.
        let shown = PolicyForm(policy: policy, tools: Self.tools)
        #expect(shown.methods == ["GET", "HEAD"] && shown.paths == "/repos/acme/**\n/user" && shown.approve == "POST,DELETE /repos/**,/x\n* /admin")
    }

    @Test(arguments: [
        (["paths": "repos/**"], "policy.paths[0]", "Allowed paths, line 1: "),
        (["paths": "/a\n/b/c*"], "policy.paths[1]", "Allowed paths, line 2: "),
        (["approve": "GET /a\nPOST /b extra"], "policy.approve[1]", "Approval rules, line 2: "),
        (["approve": "FETCH /a"], "policy.approve[0].methods", "Approval rules, line 1: "),
        (["methods": ""], "policy.methods", "Methods: "),
    ])
    func aMistakeNamesItsFieldAndLine(_ fields: [String: String], _ field: String, _ prefix: String) {
        #expect {
            _ = try Self.policyForm(fields).policy(provider: "x", tools: Self.tools, catalog: Self.catalog)
        } throws: { error in
            guard case LatchkeyError.validationFailed(let f, let message) = error else { return false }
            return f == field && message.hasPrefix(prefix)
        }
    }

    @Test func checkingACallUsesTheDecisionOfTheEnteredRules() throws {
        let policy = try Self.policyForm(["methods": "GET", "paths": "/repos/*/issues", "approve": "DELETE /repos/**"])
            .policy(provider: "x", tools: Self.tools, catalog: Self.catalog)
        #expect(PolicyForm.verdict(policy, method: "GET", path: "repos/acme/issues").kind == "allowed")
        #expect(PolicyForm.verdict(policy, method: "GET", path: "/repos/acme/pulls").kind == "refused")
        #expect(PolicyForm.verdict(policy, method: "POST", path: "/repos/acme/issues").kind == "refused")
        #expect(PolicyForm.verdict(policy, method: "DELETE", path: "/repos/acme").kind == "approval")
        #expect(PolicyForm.verdict(nil, method: "DELETE", path: "/anything").kind == "allowed")
    }

    @Test func budgetRowsSkipBlankAndRemovedOnesAndDatesReadAsUTC() throws {
        let form = BudgetForm(form: FormInput(values: [
            "limit.0.provider": "", "limit.0.per": "hour", "limit.0.calls": "100",
            "limit.1.provider": "x", "limit.1.per": "minute", "limit.1.calls": "5", "limit.1.remove": "on",
            "limit.2.provider": "x", "limit.2.per": "day", "limit.2.calls": " ",
            "limit.3.provider": "x", "limit.3.per": "day", "limit.3.calls": "7",
            "max_concurrent": "4", "expires_at": "2027-01-31",
        ]))
        let budget = try form.budget()
        #expect(budget.limits == [BudgetLimit(provider: nil, per: .hour, calls: 100), BudgetLimit(provider: "x", per: .day, calls: 7)])
        #expect(budget.maxConcurrent == 4)
        #expect(budget.expiresAt == ISO8601DateFormatter().date(from: "2027-01-31T00:00:00Z"))
        #expect(BudgetForm.dateText("2027-01-31 18:30") == "2027-01-31T18:30:00Z")
    }

    @Test func aBadBudgetNamesTheRow() {
        let form = BudgetForm(form: FormInput(values: ["limit.0.per": "minute", "limit.0.calls": "3", "limit.1.per": "fortnight", "limit.1.calls": "3"]))
        #expect {
            _ = try form.budget()
        } throws: { error in
            guard case LatchkeyError.validationFailed(let field, let message) = error else { return false }
            return field == "limits[1].per" && message.hasPrefix("Limit 2: ")
        }
    }

    @Test func theChartStacksTodaysCallsOnAScaleOfRoundNumbers() throws {
        #expect([0, 1, 2, 3, 7, 10, 11, 60, 101].map(UsageChart.niceCeiling) == [1, 1, 2, 5, 10, 10, 20, 100, 200])
        let today = try #require(ISO8601DateFormatter().date(from: "2026-12-02T10:00:00Z"))
        let chart = UsageChart(daily: [DailyUsage(groupID: "g", provider: "a", day: "2026-12-02", calls: 3, refused: 2),
                                       DailyUsage(groupID: "g", provider: "b", day: "2026-12-02", calls: 2, refused: 0),
                                       DailyUsage(groupID: "g", provider: "a", day: "2026-11-01", calls: 9, refused: 0)],
                               today: today, providerName: { $0.uppercased() })
        #expect(chart.dayKeys.first == "2026-11-03" && chart.dayKeys.last == "2026-12-02" && chart.dayKeys.count == 30)
        let view = chart.view()
        let bars = view.bars
        #expect(bars.map { "\($0.provider)=\($0.calls)" } == ["a=3", "b=2"], "the day before the window is left out")
        // Five calls on a scale of 5 fill the plot's height: a's bar sits on the axis, b's on top of it.
        let heights = bars.compactMap { Double($0.height) }
        #expect(heights.count == 2 && abs(heights.reduce(0, +) - (UsageChart.height - UsageChart.top - UsageChart.bottom)) < 0.2)
        #expect(view.chartRows.count == 1)
    }
}
