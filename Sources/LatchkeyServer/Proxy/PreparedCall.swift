import LatchkeyCore
import NIOHTTP1

/// A call ready to go upstream: the resolved credential, the checked target URL and the headers to send
/// (the agent's, filtered, plus the defaults it did not send and the injected ones). The body is not part of it.
/// A class: it is handed from step to step of a call, and copying the provider's description each time would cost.
final class PreparedCall: Sendable {
    let resolved: ResolvedCredential
    let outbound: OutboundRequest
    let headers: HTTPHeaders
    /// Whether a 401 from the provider may be answered by renewing the token and sending the call once more.
    let renewable: Bool
    /// Overwrites the injected values wherever the provider's response echoes them.
    let scrubber: SecretScrubber
    /// The budget's admission of the call: finished when the call is (or when the last reference goes).
    let admission: Admission?

    /// `alsoScrubbing`: values of an earlier attempt of the same call (the token a renewal replaced), which the
    /// provider might still echo.
    init(resolved: ResolvedCredential, outbound: OutboundRequest, call: ProxyForwarder.Call, renewable: Bool, admission: Admission?, alsoScrubbing: [String] = []) {
        self.admission = admission
        self.resolved = resolved
        self.outbound = outbound
        self.headers = ProxyForwarder.forwardedHeaders(call.headers, injected: outbound.injectedHeaders, defaults: outbound.defaultHeaders)
        self.renewable = renewable
        self.scrubber = resolved.injection.scrubber(alsoScrubbing: alsoScrubbing)
    }

    private init(copying other: PreparedCall, admission: Admission?) {
        resolved = other.resolved
        outbound = other.outbound
        headers = other.headers
        renewable = other.renewable
        scrubber = other.scrubber
        self.admission = admission
    }

    /// The same call, admitted by the budget with `admission`.
    func admitted(_ admission: Admission?) -> PreparedCall {
        admission == nil ? self : PreparedCall(copying: self, admission: admission)
    }
}
