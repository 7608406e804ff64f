/// Why a consent flow could not finish. Each case becomes a clear page; none stores anything.
public enum OAuthFlowError: Error, Sendable, Equatable {
    /// The callback carried no state.
    case missingState
    /// The state is unknown, expired or already used.
    case unknownState
    /// The flow was started in another browser (or the browser holds no binding for it).
    case wrongBrowser
    /// The browser is signed in as someone other than the user who started the flow.
    case wrongUser
    /// The user (or the provider) declined consent.
    case denied(String)
    /// No OAuth app is set for the provider.
    case noOAuthApp(String)
    /// The provider refused to exchange the code.
    case exchangeFailed(String)
    /// A value the provider file says is learnt at connect time (`auth.connect_values`) could not be learnt.
    case connectValueFailed(name: String, reason: String)
}
