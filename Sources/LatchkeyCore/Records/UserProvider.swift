import Foundation

/// A remote MCP server a user added for themselves (`POST /api/v1/providers`): a provider like the catalog's,
/// visible and usable only by its owner, and trusted less (its URL and everything it names must be public).
public struct UserProvider: Sendable, Equatable {
    /// How the server takes its credential.
    public enum Auth: Sendable, Equatable {
        /// OAuth as the MCP authorization specification describes: discovered, registered, consented in the browser.
        case oauth2
        /// A static token sent as `Authorization: Bearer …`.
        case bearer
        /// A static key in a header of the user's choosing (e.g. `X-API-Key`).
        case header(String)
        /// No credential.
        case none
    }

    public var id: String
    public var ownerID: String
    public var name: String
    public var url: String
    public var auth: Auth
    public var createdAt: Date

    public init(id: String, ownerID: String, name: String, url: String, auth: Auth, createdAt: Date) {
        self.id = id
        self.ownerID = ownerID
        self.name = name
        self.url = url
        self.auth = auth
        self.createdAt = createdAt
    }

    /// The auth as stored: `oauth2`, `bearer`, `header:NAME`, `none`.
    public var authText: String {
        switch auth {
        case .oauth2: "oauth2"
        case .bearer: "bearer"
        case .header(let name): "header:\(name)"
        case .none: "none"
        }
    }

    /// The stored text back to an auth; nil for anything else.
    public static func auth(from text: String) -> Auth? {
        switch text {
        case "oauth2": .oauth2
        case "bearer": .bearer
        case "none": Auth.none
        default: text.hasPrefix("header:") ? .header(String(text.dropFirst(7))) : nil
        }
    }

    /// The provider it stands for; nil if the stored URL is not one (it is checked before it is stored).
    public var provider: Provider? {
        let server = RemoteMCPServer(url: url)
        guard let base = try? Template(url), base.variables.isEmpty else { return nil }
        let key = CredentialField(name: "api_key", label: "Token", secret: true, required: true)
        var provider: Provider
        switch auth {
        case .oauth2:
            var settings = OAuthSettings(tokenURL: "", authorizationParams: ["resource": server.resource], tokenParams: ["resource": server.resource])
            settings.discovered = true
            let inject = (try? Template("Bearer {{access_token}}")).map { Injection(headers: [("Authorization", $0)]) } ?? Injection()
            provider = Provider(id: id, name: name, authMode: .oauth2, oauth: settings, fields: [], baseURL: base, injection: inject, mcp: server)
        case .bearer:
            let inject = (try? Template("Bearer {{api_key}}")).map { Injection(headers: [("Authorization", $0)]) } ?? Injection()
            provider = Provider(id: id, name: name, authMode: .apiKey, fields: [key], baseURL: base, injection: inject, mcp: server)
        case .header(let header):
            let inject = (try? Template("{{api_key}}")).map { Injection(headers: [(header, $0)]) } ?? Injection()
            provider = Provider(id: id, name: name, authMode: .apiKey, fields: [key], baseURL: base, injection: inject, mcp: server)
        case .none:
            provider = Provider(id: id, name: name, authMode: .none, fields: [], baseURL: base, injection: Injection(), mcp: server)
        }
        provider.ownerID = ownerID
        provider.description = "A remote MCP server added by its owner"
        return provider
    }
}
