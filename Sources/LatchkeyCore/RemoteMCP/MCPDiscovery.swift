import Foundation

/// Finds the authorization server of a remote MCP server as the MCP authorization specification orders it: the
/// protected resource metadata (RFC 9728) named by the server's `WWW-Authenticate` challenge or found at its
/// well-known paths, then that authorization server's metadata (RFC 8414, else OpenID Connect discovery), whose
/// `issuer` must be exactly the one the resource named.
///
/// Every URL the remote side names (metadata documents, the authorization server, its endpoints) is fetched only from
/// a public address unless the operator allows private ones, and must be https (http only for a local host).
public struct MCPDiscovery: Sendable {
    let http: any TokenHTTPClient

    /// What discovery found.
    public struct Found: Sendable, Equatable {
        public var metadata: AuthorizationServerMetadata
        /// The metadata document as served (kept with the registration: where the endpoints are).
        public var metadataJSON: String
        /// Scopes the resource says it supports, when it says.
        public var resourceScopes: [String]?
    }

    /// Creates discovery over `http`.
    public init(http: any TokenHTTPClient) { self.http = http }

    /// The largest metadata document read.
    static let documentLimit = 64 * 1024

    /// Discovers the authorization server of `server`. `serverTrusted`: the MCP URL itself comes from an operator's
    /// provider file (a user's own server is checked like everything the remote side names).
    public func discover(_ server: RemoteMCPServer, serverTrusted: Bool) async throws(DiscoveryError) -> Found {
        guard let serverURL = URLComponents(string: server.url), let origin = Self.origin(of: serverURL) else { throw .refused("the MCP URL is not a valid URL") }
        let resource = try await resourceMetadata(server, serverURL: serverURL, origin: origin, serverTrusted: serverTrusted)
        let issuer: String
        if let resource {
            guard let first = resource.authorizationServers?.first, !first.isEmpty else { throw .refused("its resource metadata names no authorization server") }
            issuer = first
        } else {
            // Servers from before RFC 9728 was required: the MCP server's origin is its authorization server.
            issuer = origin
        }
        try Self.checkURL(issuer, what: "the authorization server")
        let (metadata, json) = try await authorizationServerMetadata(issuer: issuer)
        return Found(metadata: metadata, metadataJSON: json, resourceScopes: resource?.scopesSupported)
    }

    private func resourceMetadata(_ server: RemoteMCPServer, serverURL: URLComponents, origin: String, serverTrusted: Bool) async throws(DiscoveryError) -> ProtectedResourceMetadata? {
        var candidates: [String] = []
        // An unauthenticated request: its 401 names the metadata (RFC 9728 §5.1).
        let probe = #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"latchkey","version":"1"}}}"#
        if let answer = try await fetch(server.url, method: "POST", body: Data(probe.utf8), publicOnly: !serverTrusted, what: "the MCP server",
                                        headers: [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")]),
           let named = BearerChallenge.parse(answer.wwwAuthenticate)?.resourceMetadata {
            try Self.checkURL(named, what: "the resource metadata")
            candidates.append(named)
        }
        let path = serverURL.percentEncodedPath == "/" ? "" : serverURL.percentEncodedPath
        for candidate in [origin + "/.well-known/oauth-protected-resource" + path, origin + "/.well-known/oauth-protected-resource"] where !candidates.contains(candidate) {
            candidates.append(candidate)
        }
        for candidate in candidates {
            guard let answer = try await fetch(candidate, publicOnly: true, what: "the resource metadata"), answer.status == 200 else { continue }
            guard let document = try? JSONDecoder().decode(ProtectedResourceMetadata.self, from: answer.body) else {
                throw .refused("its resource metadata at \(candidate) is not valid JSON of RFC 9728")
            }
            // RFC 9728 §3.3: the metadata must be about the resource that was asked about.
            guard Self.sameResource(document.resource, server.url) else {
                throw .refused("its resource metadata is for \(document.resource.prefix(200)), not \(server.url)")
            }
            return document
        }
        return nil
    }

    func authorizationServerMetadata(issuer: String) async throws(DiscoveryError) -> (AuthorizationServerMetadata, String) {
        guard let url = URLComponents(string: issuer), let origin = Self.origin(of: url) else { throw .refused("the authorization server '\(issuer.prefix(200))' is not a URL") }
        let path = url.percentEncodedPath.hasSuffix("/") ? String(url.percentEncodedPath.dropLast()) : url.percentEncodedPath
        // RFC 8414 §3.1 inserts the well-known segment before the issuer's path; OpenID Connect appends it.
        let candidates = [
            origin + "/.well-known/oauth-authorization-server" + path,
            origin + "/.well-known/openid-configuration" + path,
            origin + path + "/.well-known/openid-configuration",
        ]
        var seen = Set<String>()
        for candidate in candidates where seen.insert(candidate).inserted {
            guard let answer = try await fetch(candidate, publicOnly: true, what: "the authorization server"), answer.status == 200 else { continue }
            guard let metadata = try? JSONDecoder().decode(AuthorizationServerMetadata.self, from: answer.body) else {
                throw .refused("the authorization server's metadata at \(candidate) lacks an issuer, authorization_endpoint or token_endpoint")
            }
            // RFC 8414 §3.3: the issuer must be identical to the one the metadata was looked up for.
            guard metadata.issuer == issuer else {
                throw .refused("the authorization server's metadata names issuer '\(metadata.issuer.prefix(200))', not '\(issuer.prefix(200))'")
            }
            // The MCP authorization spec: no PKCE S256, no connection.
            guard metadata.codeChallengeMethodsSupported?.contains("S256") == true else {
                throw .refused("the authorization server does not declare PKCE S256 (code_challenge_methods_supported)")
            }
            for (endpoint, what) in [(metadata.authorizationEndpoint, "authorization_endpoint"), (metadata.tokenEndpoint, "token_endpoint")]
                + [metadata.registrationEndpoint.map { ($0, "registration_endpoint") }, metadata.revocationEndpoint.map { ($0, "revocation_endpoint") }].compactMap({ $0 }) {
                try Self.checkURL(endpoint, what: what)
            }
            return (metadata, String(decoding: answer.body, as: UTF8.self))
        }
        throw .refused("no authorization server metadata at \(candidates[0])")
    }

    /// One GET (or the probe POST); nil for a 404-like miss, the answer otherwise. Transport failures are transient.
    private func fetch(_ url: String, method: String = "GET", body: Data? = nil, publicOnly: Bool, what: String,
                       headers: [(String, String)] = [("Accept", "application/json")]) async throws(DiscoveryError) -> TokenHTTPResponse? {
        do {
            let answer = try await http.send(method: method, url: url, body: body, headers: headers, publicAddressOnly: publicOnly)
            if answer.body.count > Self.documentLimit { throw DiscoveryError.refused("\(what) sent more than 64 KiB") }
            return answer
        } catch let error as DiscoveryError {
            throw error
        } catch LatchkeyError.upstreamForbidden {
            throw .refused("\(what) (\(Self.host(of: url))) is not at a public address; an operator may allow private ones with LATCHKEY_ALLOW_PRIVATE_UPSTREAMS")
        } catch {
            throw .unreachable("\(what) (\(Self.host(of: url))) did not answer")
        }
    }

    /// https, or http to a local host (which the address check then refuses unless private addresses are allowed).
    static func checkURL(_ text: String, what: String) throws(DiscoveryError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
              url.user == nil, url.password == nil, url.fragment == nil
        else { throw .refused("\(what) '\(text.prefix(200))' is not an absolute http(s) URL") }
        guard scheme == "https" || (scheme == "http" && URLRules.isLocalHost(host)) else {
            throw .refused("\(what) '\(text.prefix(200))' must use https")
        }
    }

    static func origin(of url: URLComponents) -> String? {
        guard let scheme = url.scheme?.lowercased(), let host = url.percentEncodedHost, !host.isEmpty else { return nil }
        return "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
    }

    static func host(of url: String) -> String { URLComponents(string: url)?.host ?? "?" }

    /// The same resource, up to one trailing slash (servers differ on it; the origin and path must agree).
    static func sameResource(_ a: String, _ b: String) -> Bool {
        func trimmed(_ s: String) -> String { s.hasSuffix("/") ? String(s.dropLast()) : s }
        return trimmed(a) == trimmed(b)
    }
}

/// Why discovery or registration failed: the remote side's setup is refused (permanent) or it did not answer.
public enum DiscoveryError: Error, Sendable, Equatable {
    case refused(String)
    case unreachable(String)

    /// The reason, for the user.
    public var reason: String {
        switch self {
        case .refused(let text), .unreachable(let text): text
        }
    }
}
