/// A header of a connect-time follow-up request, its value a template (`OAuth {{access_token}}`).
public struct ConnectRequestHeader: Sendable, Equatable {
    /// The header name.
    public var name: String
    /// The value template.
    public var value: Template

    /// Creates a header.
    public init(name: String, value: Template) {
        self.name = name
        self.value = value
    }
}
