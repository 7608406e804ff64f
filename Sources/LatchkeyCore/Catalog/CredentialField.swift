/// One field of a provider's credential schema, as declared in its provider file.
public struct CredentialField: Sendable, Equatable {
    /// The field's name, used as the template variable `{{name}}`.
    public var name: String
    /// A human label for forms.
    public var label: String
    /// Secret fields are sealed at rest and masked on every read.
    public var secret: Bool
    /// Whether a credential must carry this field.
    public var required: Bool
    /// An optional regular expression the whole value must match.
    public var pattern: String?
    /// Optional help text for forms.
    public var help: String?

    /// Creates a field.
    public init(name: String, label: String, secret: Bool = true, required: Bool = true, pattern: String? = nil, help: String? = nil) {
        self.name = name
        self.label = label
        self.secret = secret
        self.required = required
        self.pattern = pattern
        self.help = help
    }
}
