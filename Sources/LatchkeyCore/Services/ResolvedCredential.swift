/// What the proxy needs to call a provider for an agent: the provider, the credential and its opened values.
public struct ResolvedCredential: Sendable {
    /// The provider.
    public var provider: Provider
    /// The bound credential.
    public var credential: Credential
    /// Its values, secrets opened. Lives only for the duration of one call.
    public var values: [String: String]
}
