/// What Latchkey reads of a protected resource's metadata (RFC 9728).
public struct ProtectedResourceMetadata: Sendable, Equatable, Decodable {
    public var resource: String
    public var authorizationServers: [String]?
    public var scopesSupported: [String]?

    enum CodingKeys: String, CodingKey {
        case resource
        case authorizationServers = "authorization_servers"
        case scopesSupported = "scopes_supported"
    }
}
