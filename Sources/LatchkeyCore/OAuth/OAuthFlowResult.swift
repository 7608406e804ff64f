/// A finished consent flow.
public struct OAuthFlowResult: Sendable {
    /// The credential now holding the tokens.
    public var credential: Credential
    /// Whether an existing credential was reconnected (same id and bindings).
    public var reconnected: Bool
}
