import Foundation
import Hummingbird
import LatchkeyCore

/// The forms of the group page that control what its agents may do: a binding's rules (saved, or only checked
/// against a call with "Check a call") and the group's budget. A form with a mistake comes back with the entered
/// values and the error, and nothing is changed.
struct GroupRulePages: DashboardPages {
    let budgets: BudgetService
    let catalog: Catalog
    let pages: GroupPages

    func register(on group: RouterGroup<AppRequestContext>) {
        group.post("groups/:id/bindings/:provider/policy") { request, context in
            let user = try context.requireUser()
            let form = try await context.form(request)
            let id = try context.parameters.require("id")
            let provider = try context.parameters.require("provider")
            let controls = pages.controls
            let tools = controls.toolNames(provider)
            let entered = PolicyForm(form: form, tools: tools)
            var state = GroupControls.Entered(provider: provider, policy: entered)
            do {
                let policy = try entered.policy(provider: provider, tools: tools, catalog: catalog)
                if form["intent"] == "check" {
                    state.verdict = PolicyForm.verdict(policy, method: entered.checkMethod, path: entered.checkPath)
                    return try await pages.page(request: request, context: context, newKey: nil, entered: state)
                }
                try await budgets.setPolicy(user: user, groupID: id, provider: provider, policy: policy)
                return PageRenderer.redirect("/groups/\(id)?notice=rules_saved#rules-\(provider)")
            } catch let error as LatchkeyError {
                guard case .validationFailed(let field, let message) = error else { throw error }
                state.error = FormError(field: field, message: message)
                return try await pages.page(request: request, context: context, newKey: nil, entered: state, status: .badRequest)
            }
        }
        group.post("groups/:id/budget") { request, context in
            let user = try context.requireUser()
            let form = try await context.form(request)
            let id = try context.parameters.require("id")
            let entered = BudgetForm(form: form)
            do {
                _ = try await budgets.setBudget(user: user, groupID: id, budget: try entered.budget())
                return PageRenderer.redirect("/groups/\(id)?notice=budget_saved#budget")
            } catch let error as LatchkeyError {
                guard case .validationFailed(let field, let message) = BudgetForm.worded(error) else { throw error }
                let state = GroupControls.Entered(budget: entered, error: FormError(field: field, message: message))
                return try await pages.page(request: request, context: context, newKey: nil, entered: state, status: .badRequest)
            }
        }
    }
}
