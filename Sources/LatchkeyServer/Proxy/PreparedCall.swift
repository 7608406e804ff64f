import LatchkeyCore
import NIOHTTP1

/// A call ready to go upstream: the resolved credential, the checked target URL and the headers to send
/// (the agent's, filtered, plus the injected ones). The body is not part of it.
/// A class: it is handed from step to step of a call, and copying the provider's description each time would cost.
final class PreparedCall: Sendable {
    let resolved: ResolvedCredential
    let outbound: OutboundRequest
    let headers: HTTPHeaders
    /// Whether a 401 from the provider may be answered by renewing the token and sending the call once more.
    let renewable: Bool
    /// Overwrites the injected values wherever the provider's response echoes them.
    let scrubber: SecretScrubber

    /// `alsoScrubbing`: values of an earlier attempt of the same call (the token a renewal replaced), which the
    /// provider might still echo.
    init(resolved: ResolvedCredential, outbound: OutboundRequest, call: ProxyForwarder.Call, renewable: Bool, alsoScrubbing: [String] = []) {
        self.resolved = resolved
        self.outbound = outbound
        self.headers = ProxyForwarder.forwardedHeaders(call.headers, injected: outbound.injectedHeaders)
        self.renewable = renewable
        self.scrubber = SecretScrubber(values: outbound.injectedValues + alsoScrubbing)
    }
}
