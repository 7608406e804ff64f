/// An OAuth app's client id and opened secret, for one token request.
public struct ClientCredentials: Sendable {
    /// The client id.
    public var clientID: String
    /// The client secret (opened for the duration of one request).
    public var clientSecret: String

    /// Creates credentials.
    public init(clientID: String, clientSecret: String) {
        self.clientID = clientID
        self.clientSecret = clientSecret
    }
}
