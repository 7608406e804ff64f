import Foundation
import LatchkeyCore
import Testing
@testable import LatchkeyServer

/// The dashboard's typed views (issue 19 item 9): each template gets one model type, read by the template under
/// the names it uses; absent values are absent.
@Suite struct DashboardViewTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// One of every page model, with every optional filled, so every name it can give a template is checked.
    static var samples: [any PageView] {
        let approval = ApprovalRow(Approval(id: "apr_1", groupID: "grp_1", ownerID: "usr_1", provider: "echo", method: "POST", path: "/x", rule: "POST /x",
                                            status: .approved, createdAt: now, expiresAt: now.addingTimeInterval(600), decidedAt: now),
                                   now: now, groupName: "bots", providerName: "Echo")
        let webhook = WebhookRow(WebhookEndpoint(id: "wh_1", ownerID: nil, url: "https://hooks.example/x", events: ["credential.created"],
                                                 secret: SealedValue(bytes: Data()), createdAt: now))
        return [
            ActivityView(events: [.init(createdAt: "c", actor: "a", action: "x", target: "t", detail: "d")], nextURL: "/activity?before=1"),
            ApprovalsView([approval]),
            ApprovalView(approval: approval, approveAction: "/a", denyAction: "/d", durations: [.init(seconds: 600, label: "10 minutes")]),
            CredentialsView(credentials: [credentialRow], nextURL: "/credentials?cursor=x"),
            CredentialChooseView(q: "q", providers: [.init(id: "echo", name: "Echo", authMode: "api_key", authLabel: "API key", url: "/u")]),
            CredentialDeleteView(credential: .init(id: "crd_1", name: "n", providerName: "Echo"), action: "/a"),
            CredentialFormView(isNew: true, isOauth: false, action: "/a", provider: .init(id: "echo", name: "Echo", docs: "https://docs", authMode: "api_key"),
                               name: "n", nameError: "e",
                               fields: [.init(name: "api_key", label: "Key", help: "h", inputType: "password", required: true, pattern: "^x$", value: "v",
                                              placeholder: "p", error: "e")]),
            group,
            GroupsView(groups: [.init(id: "grp_1", name: "bots", url: "/groups/grp_1", createdAt: "c", keyCount: 1, bindingCount: 2, warningCount: 3)],
                       nextURL: "/groups?cursor=x"),
            LoginView(next: "/credentials", email: "a@example.com"),
            MessageView(heading: "h", message: "m", success: false, status: 404, linkURL: "/credentials", linkLabel: "Back", refreshURL: "https://x"),
            ProvidersView(q: "q", providers: [.init(id: "echo", name: "Echo", authMode: "api_key", authLabel: "API key", docs: "https://d", description: "d",
                                                    baseURL: "https://b", fields: [.init(name: "api_key", label: "Key", secret: true)])],
                          ownServers: [.init(id: "mine", name: "Mine", url: "https://m", authLabel: "OAuth")],
                          inputID: "i", inputName: "n", inputURL: "u", inputHeader: "h"),
            SettingsView(redirectURI: "https://r", apps: [.init(provider: "fakeoauth", providerName: "Fake", configured: true, clientID: "c", action: "/a")]),
            SetupView(token: "t", email: "e", fieldErrors: ["email": "bad", "password": "short", "password_confirm": "differ"]),
            WebhookView(endpoint: webhook, deliveries: [.init(id: "d", event: "e", status: "pending", attempts: 1, lastStatus: "500", lastError: "x",
                                                              createdAt: "c", delivered: false, failed: false, nextAttemptAt: "n")], nextURL: "/n"),
            WebhooksView(endpoints: [webhook], events: [.init(name: "credential.created", checked: true)], url: "https://u", isAdmin: true,
                         newSecret: "whsec_x", newURL: "https://u"),
        ]
    }

    static var credentialRow: CredentialsView.Row {
        .init(id: "crd_1", name: "n", provider: "echo", providerName: "Echo", authMode: "oauth2", status: "active", statusLabel: "Active", statusClass: "ok",
              updatedAt: "u", isOauth: true, needsReconnect: true, editURL: "/e", deleteURL: "/d", reconnectURL: "/r")
    }

    static var group: LatchkeyServer.GroupView {
        let saved = BindingPolicy(methods: ["GET"])
        let rules = BindingRulesView(provider: "echo", providerName: "Echo", saved: saved, form: PolicyForm(policy: saved, tools: ["request"]), tools: ["request"],
                                     action: "/a", returned: true, error: FormError(field: "policy.paths[0]", message: "m"),
                                     verdict: PolicyVerdict(kind: "allowed", label: "Allowed", text: "t"))
        let chart = UsageChart(daily: [DailyUsage(groupID: "grp_1", provider: "echo", day: "2027-01-15", calls: 3, refused: 0)], today: now,
                               providerName: { $0 }).view()
        let controls = GroupControlsView(
            rules: [rules], budgetForm: BudgetForm(budget: Budget(limits: [BudgetLimit(provider: "echo", per: .hour, calls: 5)], maxConcurrent: 2, expiresAt: now))
                .view(providers: [("echo", "Echo")]),
            budgetAction: "/b", budgetError: FormError(field: "limits[0].calls", message: "m"),
            budgetSummary: [.init(scope: "Echo", per: "hour", calls: 5)], budgetExpiry: .init(date: "d", expired: false), budgetCap: 2,
            usage: [.init(scope: "Echo", provider: "echo", per: "hour", used: 1, calls: 5, max: 5, meter: 1, low: "3.8", high: "4.5", spent: false, resetsAt: "r")],
            concurrent: 0, chart: chart, pending: [],
            refusals: [.init(id: "evt_1", action: "approval.requested", kind: "Needs approval", at: "a", method: "POST", path: "/x", provider: "Echo",
                             reason: "r", approvalURL: "/approvals/apr_1")]
        )
        return LatchkeyServer.GroupView(group: .init(id: "grp_1", name: "bots"), keys: [.init(id: "key_1", prefix: "lka_ab…", createdAt: "c", revokeAction: "/r")],
                         keyAction: "/k", bindings: [.init(provider: "echo", providerName: "Echo", credentialName: "n", status: "active", statusLabel: "Active",
                                                           statusClass: "ok", unbindAction: "/u")],
                         bindable: [.init(provider: "echo-two", providerName: "Echo two", highlighted: true, credentials: [.init(id: "crd_2", name: "m")],
                                          hasCredentials: true, newCredentialURL: "/n", bindAction: "/b")],
                         warnings: [.init(kind: "credential_missing", message: "m", fixURL: "/f", fixLabel: "Fix")], deleteAction: "/d", controls: controls,
                         newKey: "lka_secret", proxyURL: "http://p/v1/proxy/", mcpURL: "http://p/mcp")
    }

    /// Every name a template (with the layout and the partials it uses) reads: `{{name}}`, sections, dotted parts.
    static func names(in template: String) throws -> Set<String> {
        var names: Set<String> = []
        for file in [template, "layout", "csrf", "provider_search"] {
            let source = try String(contentsOfFile: TemplateEscapingTests.templatesDirectory + "/\(file).mustache", encoding: .utf8)
            for match in source.matches(of: /\{\{[#^\/&]?\s*(?:[a-z]+\()?\.?([A-Za-z_][A-Za-z0-9_.]*)\)?\s*\}\}/) {
                for part in match.output.1.split(separator: ".") { names.insert(String(part)) }
            }
        }
        return names
    }

    /// Every key of a rendered value, at any depth.
    static func keys(_ value: Any) -> Set<String> {
        switch value {
        case let object as [String: Any]: object.reduce(into: Set(object.keys)) { $0.formUnion(keys($1.value)) }
        case let list as [Any]: list.reduce(into: []) { $0.formUnion(keys($1)) }
        default: []
        }
    }

    @Test func everyNameAViewGivesIsOneItsTemplateReads() throws {
        for view in Self.samples {
            let template = type(of: view).template
            let given = Self.keys(try TemplateValues.of(view))
            // Keys docs/dashboard-views.md promises that no template happens to read (yet).
            let documented: Set<String> = ["rule", "group_id", "provider", "decided_at", "expires_at", "url", "auth_mode", "id", "total", "empty",
                                           "delete_action", "log_url"]
            let unread = given.subtracting(try Self.names(in: template)).subtracting(documented)
            #expect(unread.isEmpty, "\(template) is given names it never reads (a misspelt property?): \(unread.sorted())")
        }
    }

    @Test func everyTemplateHasAView() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: TemplateEscapingTests.templatesDirectory).filter { $0.hasSuffix(".mustache") }
        let pages = Set(files.map { String($0.dropLast(".mustache".count)) }).subtracting(["layout", "csrf", "provider_search"])
        #expect(Set(Self.samples.map { type(of: $0).template }) == pages)
    }

    @Test func namesAreSnakeCaseAndNilOrEmptyValuesAreAbsent() throws {
        let values = try TemplateValues.of(CredentialFormView(
            isNew: false, isOauth: true, action: "/a", provider: .init(id: "p", name: "P", docs: nil, authMode: "oauth2"), name: "", nameError: nil,
            fields: [.init(name: "f", label: "F", help: "", inputType: "text", required: false, pattern: nil, value: "", placeholder: nil, error: nil)]))
        #expect(values["is_oauth"] as? Bool == true && values["is_new"] as? Bool == false)
        #expect(values["name"] == nil && values["name_error"] == nil, "an empty string and nil are both absent")
        #expect((values["provider"] as? [String: Any])?["docs"] == nil && (values["provider"] as? [String: Any])?["auth_mode"] as? String == "oauth2")
        let field = try #require((values["fields"] as? [Any])?.first as? [String: Any])
        #expect(Set(field.keys) == ["name", "label", "input_type", "required"])
        #expect(field["required"] as? Bool == false, "a false stays a boolean, not the number 0")
    }

    @Test func numbersStayNumbersAndEmptyListsStayLists() throws {
        let values = try TemplateValues.of(GroupsView(groups: [.init(id: "g", name: "n", url: "/g", createdAt: "c", keyCount: 0, bindingCount: 1, warningCount: 2)],
                                                      nextURL: nil))
        let row = try #require((values["groups"] as? [Any])?.first as? [String: Any])
        #expect(row["key_count"] as? Int == 0 && row["warning_count"] as? Int == 2)
        #expect(values["next_url"] == nil)
        let empty = try TemplateValues.of(GroupsView(groups: [], nextURL: nil))
        #expect((empty["groups"] as? [Any])?.isEmpty == true && empty["empty"] as? Bool == true)
    }

    @Test func theFrameNamesTheTabAndKeepsTheUsersEmail() throws {
        let values = try TemplateValues.of(PageFrame(title: "T", csrf: "c", user: .init(email: "a@example.com", isAdmin: true), tab: .activity,
                                                     notice: nil, error: "E"))
        #expect(values["nav_activity"] as? Bool == true && values["nav_credentials"] == nil)
        #expect((values["user"] as? [String: Any])?["is_admin"] as? Bool == true)
        #expect(values["notice"] == nil && values["error"] as? String == "E")
        #expect(try TemplateValues.of(PageFrame(title: "T", csrf: nil, user: nil, tab: .none, notice: nil, error: nil)).keys.sorted() == ["title"])
    }

    @Test func everySampleRendersWithoutAMissingTemplate() async throws {
        let web = try await WebAssets.load(directory: TemplateEscapingTests.templatesDirectory + "/..")
        for view in Self.samples {
            var values = try TemplateValues.of(view)
            values.merge(try TemplateValues.of(PageFrame(title: "T", csrf: "c", user: nil, tab: .none, notice: nil, error: nil))) { $1 }
            let html = try #require(web.library.render(values, withTemplate: type(of: view).template))
            #expect(html.contains("<title>T · Latchkey</title>"))
        }
        // The group page's controls are read inside `{{#controls}}`: the chart and the rules form are there.
        let group = try #require(web.library.render(try TemplateValues.of(Self.group), withTemplate: "group"))
        #expect(group.contains("id=\"usage-chart\"") && group.contains("data-verdict=\"allowed\"") && group.contains("id=\"budget-form\""))
        #expect(group.contains("data-calls=\"3\""), "the chart's bar for the day with calls")
    }
}
