import Foundation

/// What the proxy needs to call a provider for an agent: the provider, the credential and its opened values.
/// A class: it is handed along every step of a call (and kept in the access cache), and copying the provider's
/// description at each step would cost more than the call's own work.
public final class ResolvedCredential: Sendable {
    /// The provider.
    public let provider: Provider
    /// The bound credential.
    public let credential: Credential
    /// Its values, secrets opened. Lives for one call, or for the access cache's TTL when that keeps it.
    public let values: [String: String]
    /// The agent's group, with its budget.
    public let group: AgentGroup
    /// The binding's policy; nil allows everything under the base URL.
    public let policy: BindingPolicy?
    /// What injecting `values` into a call to `provider` takes, worked out once for every call this resolution serves.
    public let injection: CredentialInjection
    /// Until when this resolution may answer calls from the access cache: an OAuth credential's until its token falls
    /// due for refresh or expires (`RefreshPolicy.servableUntil`; then the refresher must see the call), any other's
    /// for as long as it is remembered.
    public let servableUntil: Date

    public init(provider: Provider, credential: Credential, values: [String: String], group: AgentGroup, policy: BindingPolicy?) {
        self.provider = provider
        self.credential = credential
        self.values = values
        self.group = group
        self.policy = policy
        injection = CredentialInjection(provider: provider, values: values)
        servableUntil = if !provider.authMode.isOAuth {
            .distantFuture
        } else if let settings = provider.oauth {
            RefreshPolicy.servableUntil(credential, settings: settings)
        } else {
            .distantPast
        }
    }

    /// The same binding reaching its provider another way (a remote MCP server's endpoint).
    public func with(provider: Provider) -> ResolvedCredential {
        ResolvedCredential(provider: provider, credential: credential, values: values, group: group, policy: policy)
    }

    /// The same binding with another version of its credential (after a refresh) and that version's values.
    public func with(credential: Credential, values: [String: String]) -> ResolvedCredential {
        ResolvedCredential(provider: provider, credential: credential, values: values, group: group, policy: policy)
    }
}
