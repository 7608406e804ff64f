/// How a credential is put onto an outbound request: templates over the credential's values.
public struct Injection: Sendable, Equatable {
    /// Headers to set; a value without `{{ }}` is a fixed header.
    public var headers: [(name: String, value: Template)]
    /// Query parameters to add (replacing any the agent sent under the same name).
    public var query: [(name: String, value: Template)]
    /// HTTP basic authentication, when the provider uses it.
    public var basic: (username: Template, password: Template)?

    /// Creates an injection.
    public init(headers: [(name: String, value: Template)] = [], query: [(name: String, value: Template)] = [], basic: (username: Template, password: Template)? = nil) {
        self.headers = headers
        self.query = query
        self.basic = basic
    }

    /// Every template variable the injection uses.
    public var variables: Set<String> {
        var names = Set<String>()
        for (_, template) in headers { names.formUnion(template.variables) }
        for (_, template) in query { names.formUnion(template.variables) }
        if let basic { names.formUnion(basic.username.variables); names.formUnion(basic.password.variables) }
        return names
    }

    public static func == (lhs: Injection, rhs: Injection) -> Bool {
        lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
            && lhs.query.map(\.name) == rhs.query.map(\.name) && lhs.query.map(\.value) == rhs.query.map(\.value)
            && lhs.basic?.username == rhs.basic?.username && lhs.basic?.password == rhs.basic?.password
    }
}
