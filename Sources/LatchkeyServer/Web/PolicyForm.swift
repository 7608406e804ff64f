import Foundation
import LatchkeyCore

/// The rules form of one binding on the group page: what the owner entered (or the saved policy), turned into a
/// `BindingPolicy` through the API's own input type (`PolicyInput`) and checks (`BudgetService.validated`), and back
/// into the words and controls the page shows.
///
/// Methods and tools are checkboxes (`method.GET`, `tool.request`): all ticked means "all" (no restriction). Paths
/// are one pattern per line; approval rules one per line as `METHOD[,METHOD] /pattern[,/pattern]` or `* /pattern`.
struct PolicyForm {
    /// The methods Latchkey forwards, in the order the form lists them.
    static let methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    var methods: Set<String>
    var paths: String
    var tools: Set<String>
    var approve: String
    var checkMethod = "GET"
    var checkPath = ""

    /// The form showing a saved policy (nil: everything ticked, nothing entered).
    init(policy: BindingPolicy?, tools allTools: [String]) {
        methods = Set(policy?.methods ?? Self.methods)
        paths = policy?.paths?.map(\.text).joined(separator: "\n") ?? ""
        tools = Set(policy?.tools ?? allTools)
        approve = policy?.approve.map(\.summary).joined(separator: "\n") ?? ""
    }

    /// The form as submitted.
    init(form: FormInput, tools allTools: [String]) {
        methods = Set(Self.methods.filter { form["method.\($0)"] != nil })
        paths = form["paths"] ?? ""
        tools = Set(allTools.filter { form["tool.\($0)"] != nil })
        approve = form["approve"] ?? ""
        checkMethod = (form["check_method"] ?? "GET").uppercased()
        checkPath = form["check_path"] ?? ""
    }

    /// The policy entered, checked as the API checks it (nil when it restricts nothing). Errors name the form field
    /// (and line) in words.
    func policy(provider: String, tools allTools: [String], catalog: Catalog) throws(LatchkeyError) -> BindingPolicy? {
        var input = PolicyInput()
        if methods.isEmpty { throw .validationFailed(field: "policy.methods", message: "Methods: tick at least one (all of them allow every method)") }
        if methods.count < Self.methods.count { input.methods = Self.methods.filter(methods.contains) }
        let pathLines = Self.lines(paths)
        if !pathLines.isEmpty { input.paths = pathLines }
        if tools.isEmpty { throw .validationFailed(field: "policy.tools", message: "Tools: tick at least one (all of them allow every tool)") }
        if tools.count < allTools.count { input.tools = allTools.filter(tools.contains) }
        var rules: [ApprovalRuleInput] = []
        for (index, line) in Self.lines(approve).enumerated() {
            let parts = line.split(whereSeparator: \.isWhitespace).map(String.init)
            guard (1...2).contains(parts.count) else {
                throw .validationFailed(field: "policy.approve[\(index)]",
                                        message: "Approval rules, line \(index + 1): write 'METHOD[,METHOD] /pattern[,/pattern]' or '* /pattern', not '\(line.prefix(80))'")
            }
            var rule = ApprovalRuleInput()
            if parts[0] != "*" { rule.methods = parts[0].split(separator: ",").map(String.init) }
            if parts.count == 2 { rule.paths = parts[1].split(separator: ",").map(String.init) }
            rules.append(rule)
        }
        if !rules.isEmpty { input.approve = rules }
        do {
            let policy = try BudgetService.validated(try input.policy(), provider: provider, catalog: catalog)
            return policy.isEmpty ? nil : policy
        } catch {
            if case .validationFailed(let field, let message) = error { throw .validationFailed(field: field, message: Self.label(field) + message) }
            throw error
        }
    }

    /// The non-empty, trimmed lines of a text area.
    static func lines(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `policy.paths[1]` as the form calls it: "Allowed paths, line 2: ".
    static func label(_ field: String) -> String {
        let names = [("policy.approve", "Approval rules"), ("policy.paths", "Allowed paths"), ("policy.methods", "Methods"), ("policy.tools", "Tools")]
        guard let match = names.first(where: { field.hasPrefix($0.0) }) else { return "" }
        let (prefix, name) = match
        let rest = field.dropFirst(prefix.count)
        guard rest.hasPrefix("["), let close = rest.firstIndex(of: "]"), let index = Int(rest[rest.index(after: rest.startIndex)..<close]) else {
            return "\(name): "
        }
        return "\(name), line \(index + 1): "
    }

    /// The verdict of `BindingPolicy.decide` on the call entered under "Check a call", in words.
    static func verdict(_ policy: BindingPolicy?, method: String, path: String) -> PolicyVerdict {
        let path = path.hasPrefix("/") ? path : "/" + path
        switch (policy ?? BindingPolicy()).decide(method: method, rawPath: path) {
        case .allowed:
            return PolicyVerdict(kind: "allowed", label: "Allowed", text: "\(method) \(path) is allowed without asking.")
        case .denied(let reason):
            return PolicyVerdict(kind: "refused", label: "Refused", text: "\(method) \(path) is refused (policy_denied): \(reason).")
        case .needsApproval(let rule):
            let summary = policy.map { $0.approve.indices.contains(rule) ? $0.approve[rule].summary : "" } ?? ""
            return PolicyVerdict(kind: "approval", label: "Needs approval", text: "\(method) \(path) needs your approval first (rule \(summary)).")
        }
    }

    /// A saved policy in words: one line per part, or "everything under the base URL".
    static func summary(_ policy: BindingPolicy?) -> [String] {
        guard let policy, !policy.isEmpty else { return ["Everything under the base URL: any method, any path, any tool."] }
        var lines: [String] = []
        lines.append("Methods: " + (policy.methods.map { $0.joined(separator: ", ") } ?? "any"))
        lines.append("Paths: " + (policy.paths.map { $0.map(\.text).joined(separator: ", ") } ?? "anything under the base URL"))
        lines.append("Tools: " + (policy.tools.map { $0.joined(separator: ", ") } ?? "all of the provider's tools"))
        for rule in policy.approve { lines.append("Needs approval: " + rule.summary) }
        return lines
    }
}
