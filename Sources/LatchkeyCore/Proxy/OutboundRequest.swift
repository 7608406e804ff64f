/// The request the proxy sends upstream, minus the body: target URL and the headers Latchkey sets or defaults.
public struct OutboundRequest: Sendable, Equatable {
    /// The absolute target URL.
    public var url: String
    /// `scheme://host[:port]` of `url`, which starts with it.
    public var origin: String
    /// Headers set by injection; they replace any agent header of the same name.
    public var injectedHeaders: [(name: String, value: String)]
    /// Default headers: sent only when the agent's request carries none of the same name.
    public var defaultHeaders: [(name: String, value: String)] = []
    /// Every value injection put into the request, in each form it was sent in (rendered, bare, percent-encoded,
    /// base64): what the response scrubber must never let back to the agent.
    public var injectedValues: [String] = []
    /// Whether the origin's host came from the credential, so the proxy may connect to it only at a public address.
    public var requiresPublicAddress = false

    /// The request target for the origin server: `url` after its origin (path and query).
    public var target: Substring { Substring(url.utf8.dropFirst(origin.utf8.count)) }  // bytes: no grapheme walk per call

    public static func == (lhs: OutboundRequest, rhs: OutboundRequest) -> Bool {
        lhs.url == rhs.url && lhs.origin == rhs.origin && lhs.requiresPublicAddress == rhs.requiresPublicAddress && lhs.injectedHeaders.map(\.name) == rhs.injectedHeaders.map(\.name) && lhs.injectedHeaders.map(\.value) == rhs.injectedHeaders.map(\.value)
            && lhs.defaultHeaders.map(\.name) == rhs.defaultHeaders.map(\.name) && lhs.defaultHeaders.map(\.value) == rhs.defaultHeaders.map(\.value)
    }
}
