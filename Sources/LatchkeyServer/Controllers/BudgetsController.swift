import Hummingbird
import LatchkeyCore

/// `/api/v1/groups/{id}/budget` and `/usage`: a group's limits and what it used of them. Owners for their groups,
/// admins for every group.
struct BudgetsController {
    let budgets: BudgetService
    /// The largest request body read.
    let limit: Int

    func register(on group: RouterGroup<AppRequestContext>) {
        let budgets = budgets, limit = limit
        group.get("groups/:id/budget") { _, context in
            let user = try context.requireUser()
            return JSONOutput.response(BudgetDTO(budget: try await budgets.budget(user: user, groupID: try context.parameters.require("id"))))
        }
        group.put("groups/:id/budget") { request, context in
            let user = try context.requireUser()
            let groupID = try context.parameters.require("id")
            _ = try await budgets.accessible(user: user, groupID: groupID)
            let input = try await JSONBody.decode(BudgetInput.self, from: request, limit: limit)
            return JSONOutput.response(BudgetDTO(budget: try await budgets.setBudget(user: user, groupID: groupID, budget: try input.budget())))
        }
        group.get("groups/:id/usage") { _, context in
            let user = try context.requireUser()
            let groupID = try context.parameters.require("id")
            let usage = try await budgets.usage(user: user, groupID: groupID)
            return JSONOutput.response(UsageDTO(limits: usage.limits, concurrent: usage.concurrent, days: try await budgets.daily(user: user, groupID: groupID)))
        }
        group.allowOnly("groups/:id/budget", [.get, .put])
        group.allowOnly("groups/:id/usage", [.get])
    }
}
