import Foundation
import Synchronization

/// OAuth clients for providers whose endpoints are discovered (remote MCP servers): discovery, then the registration,
/// at connect; at every later token request, the very client and authorization server a credential was issued by,
/// which the credential names in its fields (`oauth_issuer`, `oauth_client_id`). A credential whose client is gone
/// needs new consent rather than a token request by another client.
public final class DiscoveredClients: Sendable {
    let discovery: MCPDiscovery
    let registrar: ClientRegistrar
    let clock: any WallClock
    private let found = Mutex<[String: (MCPDiscovery.Found, Date)]>([:])
    /// How long a discovery is reused for connects and for clients set by an admin.
    static let discoveryLifetime: TimeInterval = 300

    /// The credential fields naming the authorization server and client a token came from.
    public static let issuerField = "oauth_issuer"
    public static let clientField = "oauth_client_id"

    public init(discovery: MCPDiscovery, registrar: ClientRegistrar, clock: any WallClock) {
        self.discovery = discovery
        self.registrar = registrar
        self.clock = clock
    }

    /// Discovers (or reuses a recent discovery) and gets the client to connect with: the admin's, when one is set for
    /// the provider, else the stored or a new registration.
    public func connection(for provider: Provider, adminApp: ClientCredentials?) async throws -> OAuthConnection {
        guard let mcp = provider.mcp, let settings = provider.oauth else { throw DiscoveryError.refused("\(provider.id) is not a remote MCP server") }
        let found = try await discover(provider, server: mcp)
        let client: ClientCredentials
        var auth = settings.tokenEndpointAuth
        if let adminApp {
            client = adminApp
        } else {
            let registration = try await registrar.registration(for: found)
            client = try await registrar.client(of: registration)
            auth = registration.tokenEndpointAuth
        }
        let effective = Self.provider(provider, metadata: found.metadata, auth: auth)
        let scopes = settings.scopes.isEmpty ? (found.resourceScopes ?? []) : settings.scopes
        return OAuthConnection(provider: effective, client: client,
                               fields: [Self.issuerField: found.metadata.issuer, Self.clientField: client.clientID], defaultScopes: scopes)
    }

    /// The provider and client for a token request of a credential with `fields`: the registration it was issued
    /// under (or the admin's client, when that is the one). Anything else is `permanent`: only new consent helps.
    public func tokenClient(for provider: Provider, fields: [String: String], adminApp: ClientCredentials?) async throws(TokenEndpointError) -> (Provider, ClientCredentials) {
        guard let mcp = provider.mcp, let settings = provider.oauth else { throw .permanent(code: "not_an_oauth_provider") }
        guard let issuer = fields[Self.issuerField], let clientID = fields[Self.clientField] else { throw .permanent(code: "not_connected_through_discovery") }
        do {
            if let registration = try await registrar.store.oauthRegistration(issuer: issuer, clientID: clientID),
               let metadata = try? JSONDecoder().decode(AuthorizationServerMetadata.self, from: Data(registration.metadataJSON.utf8)), metadata.issuer == issuer {
                return (Self.provider(provider, metadata: metadata, auth: registration.tokenEndpointAuth), try await registrar.client(of: registration))
            }
            if let adminApp, adminApp.clientID == clientID {
                let found = try await discover(provider, server: mcp)
                guard found.metadata.issuer == issuer else { throw TokenEndpointError.permanent(code: "authorization_server_changed") }
                return (Self.provider(provider, metadata: found.metadata, auth: settings.tokenEndpointAuth), adminApp)
            }
        } catch let error as TokenEndpointError {
            throw error
        } catch DiscoveryError.refused {
            throw .permanent(code: "authorization_server_changed")
        } catch {
            throw .transient(reason: "authorization server metadata unavailable")
        }
        throw .permanent(code: "client_registration_gone")
    }

    private func discover(_ provider: Provider, server: RemoteMCPServer) async throws(DiscoveryError) -> MCPDiscovery.Found {
        let now = clock.now
        if let (cached, at) = found.withLock({ $0[provider.id] }), now.timeIntervalSince(at) < Self.discoveryLifetime, at <= now { return cached }
        let result = try await discovery.discover(server, serverTrusted: provider.ownerID == nil)
        found.withLock { $0[provider.id] = (result, now) }
        return result
    }

    /// `provider` with the discovered endpoints in its OAuth settings.
    static func provider(_ provider: Provider, metadata: AuthorizationServerMetadata, auth: OAuthSettings.TokenEndpointAuth) -> Provider {
        var effective = provider
        effective.oauth?.authorizationURL = metadata.authorizationEndpoint
        effective.oauth?.tokenURL = metadata.tokenEndpoint
        effective.oauth?.revocationURL = metadata.revocationEndpoint
        effective.oauth?.tokenEndpointAuth = auth
        effective.oauth?.pkce = true
        return effective
    }
}
