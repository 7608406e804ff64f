import Foundation
import Testing
@testable import LatchkeyCore

/// `auth.issuer_field`: OAuth endpoints discovered from an issuer the user types.
@Suite struct IssuerFieldCatalogTests {
    static let issuerField = "    - {name: issuer, secret: false, pattern: '^https://[a-z0-9.-]+(/[a-z0-9-]+)*$'}"

    /// Loads one operator file with this `auth` block (after `mode`).
    func load(_ auth: String, mode: String) throws -> Provider? {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lk-issuer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = "name: T\nauth:\n  mode: \(mode)\n\(auth)\nproxy:\n  base_url: https://api.example.com\n"
        try text.write(to: dir.appendingPathComponent("t.yaml"), atomically: true, encoding: .utf8)
        return try CatalogLoader.load([CatalogSource(directory: dir.path, strict: false)]).provider("t")
    }

    /// The provider, or the problems of loading it as "key path: reason".
    func problems(_ auth: String, mode: String = "oauth2") throws -> (Provider?, [String]) {
        do {
            return (try load(auth, mode: mode), [])
        } catch let error as CatalogError {
            return (nil, error.issues.map { "\($0.keyPath): \($0.reason)" })
        }
    }

    @Test func anIssuerFieldMakesTheEndpointsDiscovered() throws {
        let (provider, found) = try problems("  issuer_field: issuer\n  scopes: [openid]\n  fields:\n\(Self.issuerField)")
        #expect(found.isEmpty, "\(found)")
        #expect(provider?.oauth?.discovered == true)
        #expect(provider?.oauth?.issuerField == "issuer")
        #expect(provider?.mcp == nil)
        #expect(provider?.oauth?.tokenParams["resource"] == nil, "no RFC 8707 resource: this is not an MCP server")
        // A public client: the deployment's secret never goes to an issuer a user typed.
        #expect(provider?.oauth?.tokenEndpointAuth == OAuthSettings.TokenEndpointAuth.none)
    }

    @Test(arguments: [
        ("  issuer_field: issuer\n  token_url: https://a.example/token\n  authorization_url: https://a.example/auth\n  fields:\n\(issuerField)", "auth.token_url"),
        ("  issuer_field: issuer\n  revocation_url: https://a.example/revoke\n  fields:\n\(issuerField)", "auth.revocation_url"),
        ("  issuer_field: issuer\n  refresh_url: https://a.example/refresh\n  fields:\n\(issuerField)", "auth.refresh_url"),
        ("  issuer_field: tenant\n  fields:\n\(issuerField)", "auth.issuer_field"),
        ("  issuer_field: issuer\n  fields:\n    - {name: issuer, secret: false, required: false}", "auth.issuer_field"),
        ("  issuer_field: [issuer]\n  fields:\n\(issuerField)", "auth.issuer_field"),
        ("  issuer_field: issuer\n  token_endpoint_auth: client_secret_post\n  fields:\n\(issuerField)", "auth.token_endpoint_auth"),
    ])
    func badInputIsRefusedNamingTheKey(_ auth: String, _ keyPath: String) throws {
        let (_, found) = try problems(auth)
        #expect(found.contains { $0.hasPrefix(keyPath + ":") }, "\(found)")
    }

    @Test func aSecretIssuerFieldIsRefused() throws {
        let (_, found) = try problems("  issuer_field: issuer\n  fields:\n    - {name: issuer}")
        #expect(found.contains { $0.hasPrefix("auth.issuer_field:") || $0.hasPrefix("auth.fields[0]") }, "\(found)")
    }

    @Test func onlyTheAuthorizationCodeFlowDiscoversFromAnIssuer() throws {
        let (_, found) = try problems("  issuer_field: issuer\n  token_url: https://a.example/token\n  fields:\n\(Self.issuerField)", mode: "oauth2_client_credentials")
        #expect(found.contains { $0.hasPrefix("auth.issuer_field:") }, "\(found)")
    }
}
