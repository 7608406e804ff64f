import LatchkeyCore

/// One binding's rules on the group page: the saved policy in words, and its form (the entered one, with its
/// mistake or a "Check a call" verdict, when that form came back).
struct BindingRulesView: Encodable {
    /// A checkbox of the form.
    struct Check: Encodable {
        let name: String
        let checked: Bool
    }

    /// An option of the form's method list.
    struct Choice: Encodable {
        let name: String
        let selected: Bool
    }

    /// One line of the saved policy in words.
    struct Line: Encodable {
        let line: String
    }

    let provider: String
    let providerName: String
    let summary: [Line]
    let restricted: Bool
    let action: String
    /// The form is shown open: it is the one that came back.
    let open: Bool
    let methods: [Check]
    let tools: [Check]
    let pathsText: String
    let approveText: String
    let checkPath: String
    let checkMethods: [Choice]
    let rulesError: FormError?
    let verdict: PolicyVerdict?

    init(provider: String, providerName: String, saved: BindingPolicy?, form: PolicyForm, tools allTools: [String], action: String,
         returned: Bool, error: FormError?, verdict: PolicyVerdict?) {
        self.provider = provider
        self.providerName = providerName
        summary = PolicyForm.summary(saved).map(Line.init)
        restricted = !(saved?.isEmpty ?? true)
        self.action = action
        open = returned
        methods = PolicyForm.methods.map { Check(name: $0, checked: form.methods.contains($0)) }
        tools = allTools.map { Check(name: $0, checked: form.tools.contains($0)) }
        pathsText = form.paths
        approveText = form.approve
        checkPath = form.checkPath
        checkMethods = PolicyForm.methods.map { Choice(name: $0, selected: $0 == form.checkMethod) }
        rulesError = error
        self.verdict = verdict
    }
}
