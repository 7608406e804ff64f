/// What a user asks for when connecting (or reconnecting) an OAuth account, before it is checked.
public struct ConsentRequest: Sendable, Equatable {
    /// The provider id.
    public var provider: String
    /// The new credential's name (a reconnect keeps the credential's own name when nil).
    public var name: String?
    /// Scopes to ask for; nil asks for the provider file's.
    public var scopes: [String]?
    /// The credential to reconnect, if any.
    public var credentialID: String?
    /// Connect-time non-secret fields (e.g. a shop domain).
    public var fields: [String: String]

    /// Creates a request.
    public init(provider: String, name: String? = nil, scopes: [String]? = nil, credentialID: String? = nil, fields: [String: String] = [:]) {
        self.provider = provider
        self.name = name
        self.scopes = scopes
        self.credentialID = credentialID
        self.fields = fields
    }
}
