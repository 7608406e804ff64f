import Foundation

/// Gets Latchkey a client at a discovered authorization server, once per issuer and redirect URI, in the order the
/// MCP authorization specification gives: a client ID metadata document (Latchkey's own URL as the client id) when
/// the server supports it and the document can be fetched, else dynamic client registration (RFC 7591). The
/// registration is stored (its secret sealed) and reused by every later connect, exchange and refresh.
public struct ClientRegistrar: Sendable {
    let http: any TokenHTTPClient
    let store: any Store
    let sealer: Sealer
    let clock: any WallClock
    /// `{public_url}/oauth/callback`.
    public let redirectURI: String
    /// `{public_url}/oauth/client-metadata.json`, when an authorization server can fetch it (an https public URL, or
    /// private addresses allowed for tests and closed networks); nil otherwise.
    public let metadataDocumentURL: String?

    public init(http: any TokenHTTPClient, store: any Store, sealer: Sealer, clock: any WallClock, redirectURI: String, metadataDocumentURL: String?) {
        self.http = http
        self.store = store
        self.sealer = sealer
        self.clock = clock
        self.redirectURI = redirectURI
        self.metadataDocumentURL = metadataDocumentURL
    }

    /// The registration at the server `found` describes: the stored one (its metadata brought up to date), or a new one.
    public func registration(for found: MCPDiscovery.Found) async throws -> OAuthRegistration {
        let metadata = found.metadata
        if let existing = try await store.oauthRegistration(issuer: metadata.issuer, redirectURI: redirectURI) {
            if existing.metadataJSON != found.metadataJSON {
                try await store.updateOAuthRegistrationMetadata(issuer: metadata.issuer, redirectURI: redirectURI, metadataJSON: found.metadataJSON, at: clock.now)
            }
            return existing
        }
        let now = clock.now
        if metadata.clientIDMetadataDocumentSupported == true, let metadataDocumentURL {
            return try await store.createOAuthRegistration(OAuthRegistration(
                issuer: metadata.issuer, redirectURI: redirectURI, clientID: metadataDocumentURL, clientSecret: nil, tokenEndpointAuth: .none,
                metadataJSON: found.metadataJSON, kind: "metadata_document", createdAt: now, updatedAt: now))
        }
        guard let endpoint = metadata.registrationEndpoint else {
            throw DiscoveryError.refused("the authorization server \(metadata.issuer) offers neither client ID metadata documents nor dynamic registration; an admin can set a client with PUT /api/v1/oauth-apps/{provider}")
        }
        let method = Self.authMethod(supported: metadata.tokenEndpointAuthMethodsSupported)
        let request: [String: Any] = [
            "client_name": "Latchkey", "redirect_uris": [redirectURI], "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"], "token_endpoint_auth_method": method.rawValue,
        ]
        let body = try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys])
        let answer: TokenHTTPResponse
        do {
            answer = try await http.send(method: "POST", url: endpoint, body: body,
                                         headers: [("Content-Type", "application/json"), ("Accept", "application/json")], publicAddressOnly: true)
        } catch LatchkeyError.upstreamForbidden {
            throw DiscoveryError.refused("the registration endpoint is not at a public address")
        } catch {
            throw DiscoveryError.unreachable("the registration endpoint did not answer")
        }
        guard (200..<300).contains(answer.status), let object = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any],
              let clientID = object["client_id"] as? String, !clientID.isEmpty, clientID.utf8.count <= 1024
        else {
            let code = (try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any])?["error"] as? String
            throw DiscoveryError.refused("dynamic client registration failed (HTTP \(answer.status)\(code.map { ", " + TokenEndpointError.sanitized($0) } ?? ""))")
        }
        let secret = (object["client_secret"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        let granted = (object["token_endpoint_auth_method"] as? String).flatMap(OAuthSettings.TokenEndpointAuth.init(rawValue:)) ?? (secret == nil ? .none : method)
        let recordID = OAuthRegistration.recordID(issuer: metadata.issuer, redirectURI: redirectURI)
        let sealed = try await secret.asyncMap { try await sealer.seal($0, recordID: recordID, field: "client_secret") }
        return try await store.createOAuthRegistration(OAuthRegistration(
            issuer: metadata.issuer, redirectURI: redirectURI, clientID: clientID, clientSecret: sealed, tokenEndpointAuth: secret == nil ? .none : granted,
            metadataJSON: found.metadataJSON, kind: "dynamic", createdAt: now, updatedAt: now))
    }

    /// The client authentication to ask for: a secret when the server takes one (RFC 8414's default is basic).
    static func authMethod(supported: [String]?) -> OAuthSettings.TokenEndpointAuth {
        guard let supported else { return .clientSecretBasic }
        if supported.contains("client_secret_post") { return .clientSecretPost }
        if supported.contains("client_secret_basic") { return .clientSecretBasic }
        return .none
    }

    /// The opened client of a registration.
    public func client(of registration: OAuthRegistration) async throws -> ClientCredentials {
        let secret = try await registration.clientSecret.asyncMap { try await sealer.open($0, recordID: registration.recordID, field: "client_secret") }
        return ClientCredentials(clientID: registration.clientID, clientSecret: secret ?? "")
    }
}
