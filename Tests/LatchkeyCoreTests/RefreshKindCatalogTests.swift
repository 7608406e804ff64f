import Foundation
import Testing
@testable import LatchkeyCore

/// The `auth` keys of the provider kinds that renew or ask for tokens their own way: `refresh_url`, `refresh`
/// (token exchange), `scope_param`, and the `{{oauth_client_id}}` template.
@Suite struct RefreshKindCatalogTests {
    /// Loads one operator file `t.yaml` whose `auth` block is `mode: oauth2`, the two endpoints and `auth`.
    func load(auth: String, mode: String = "oauth2", inject: String = "{headers: {Authorization: \"Bearer {{access_token}}\"}}") throws -> Provider? {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lk-kinds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let endpoints = mode == "oauth2" ? "  authorization_url: https://auth.example.com/authorize\n" : ""
        let text = "name: T\nauth:\n  mode: \(mode)\n\(endpoints)  token_url: https://auth.example.com/token\n\(auth)\nproxy:\n  base_url: https://api.example.com\n  inject: \(inject)\n"
        try text.write(to: dir.appendingPathComponent("t.yaml"), atomically: true, encoding: .utf8)
        return try CatalogLoader.load([CatalogSource(directory: dir.path, strict: false)]).provider("t")
    }

    /// The problems of loading `auth`, as "key path: reason".
    func problems(auth: String, mode: String = "oauth2", inject: String = "{headers: {Authorization: \"Bearer {{access_token}}\"}}") -> [String] {
        do {
            _ = try load(auth: auth, mode: mode, inject: inject)
            return []
        } catch let error as CatalogError {
            return error.issues.map { "\($0.keyPath): \($0.reason)" }
        } catch {
            return ["\(error)"]
        }
    }

    @Test func theDefaultsAreARefreshTokenAtTheTokenEndpointAndScopesInScope() throws {
        let provider = try #require(try load(auth: "  scopes: [a]"))
        #expect(provider.oauth?.refreshURL == nil)
        #expect(provider.oauth?.refreshGrant == .refreshToken)
        #expect(provider.oauth?.scopeParameter == "scope")
    }

    @Test func aRefreshEndpointATokenExchangeAndAScopeParameterAreRead() throws {
        let provider = try #require(try load(auth: """
          refresh_url: https://api.example.com/v1/oauth/refresh
          refresh: {grant: exchange, grant_type: fb_exchange_token, token_param: fb_exchange_token}
          scope_param: user_scope
        """))
        #expect(provider.oauth?.refreshURL == "https://api.example.com/v1/oauth/refresh")
        #expect(provider.oauth?.refreshGrant == .exchange(grantType: "fb_exchange_token", tokenParam: "fb_exchange_token"))
        #expect(provider.oauth?.scopeParameter == "user_scope")
        #expect(try #require(try load(auth: "  refresh: {grant: refresh_token}")).oauth?.refreshGrant == .refreshToken)
    }

    @Test(arguments: [
        ("  refresh_url: http://api.example.com/refresh", "auth.refresh_url"),
        ("  refresh_url: https://api.example.com/refresh?x=1", "auth.refresh_url"),
        ("  refresh_url: [https://a.example.com]", "auth.refresh_url"),
        ("  refresh: {grant: exchange, token_param: t}", "auth.refresh"),
        ("  refresh: {grant: exchange, grant_type: fb_exchange_token}", "auth.refresh"),
        ("  refresh: {grant: swap, grant_type: a, token_param: b}", "auth.refresh.grant"),
        ("  refresh: {grant_type: a, token_param: b}", "auth.refresh"),
        ("  refresh: {grant: exchange, grant_type: \"a b\", token_param: t}", "auth.refresh.grant_type"),
        ("  refresh: {grant: exchange, grant_type: a, token_param: \"t&x=1\"}", "auth.refresh.token_param"),
        ("  refresh: {grant: refresh_token, token_param: t}", "auth.refresh.token_param"),
        ("  refresh: {grant: exchange, grant_type: a, token_param: b, colour: red}", "auth.refresh.colour"),
        ("  refresh: exchange", "auth.refresh"),
        ("  scope_param: \"user scope\"", "auth.scope_param"),
        ("  scope_param: \"\"", "auth.scope_param"),
    ])
    func badInputIsRefusedNamingTheKey(_ auth: String, _ keyPath: String) {
        let found = problems(auth: auth)
        #expect(found.contains { $0.hasPrefix(keyPath + ":") }, "\(found)")
    }

    @Test func theKeysBelongToTheAuthorizationCodeFlowOnly() {
        let exchange = "  refresh: {grant: exchange, grant_type: a, token_param: b}"
        #expect(problems(auth: exchange, mode: "oauth2_client_credentials").contains { $0.hasPrefix("auth.refresh:") })
        #expect(problems(auth: "  scope_param: user_scope", mode: "oauth2_client_credentials").contains { $0.hasPrefix("auth.scope_param:") })
        let apiKey = problems(auth: "  refresh_url: https://api.example.com/r", mode: "api_key", inject: "{headers: {X-Key: \"{{api_key}}\"}}")
        #expect(apiKey.contains { $0.hasPrefix("auth.token_url:") || $0.hasPrefix("auth.refresh_url:") }, "\(apiKey)")
    }

    @Test func tokenParamsTakeNonSecretFieldsAndOnlyClientCredentialsNameTheirGrant() throws {
        let field = "  fields:\n    - {name: account_id, secret: false}"
        let good = try #require(try load(auth: "  token_params: {grant_type: account_credentials, account_id: \"{{account_id}}\"}\n\(field)", mode: "oauth2_client_credentials"))
        #expect(good.oauth?.tokenParams == ["grant_type": "account_credentials", "account_id": "{{account_id}}"])
        #expect(problems(auth: "  token_params: {grant_type: account_credentials}").contains { $0.hasPrefix("auth.token_params.grant_type:") })
        let secret = problems(auth: "  token_params: {account_id: \"{{account_id}}\"}\n  fields:\n    - {name: account_id, secret: true}", mode: "oauth2_client_credentials")
        #expect(secret.contains { $0.hasPrefix("auth.token_params.account_id:") }, "\(secret)")
        let unknown = problems(auth: "  token_params: {tenant: \"{{tenant}}\"}", mode: "oauth2_client_credentials")
        #expect(unknown.contains { $0.hasPrefix("auth.token_params.tenant:") && $0.contains("{{tenant}}") }, "\(unknown)")
    }

    @Test func theClientIDATokenWasIssuedToIsATemplateOfTheAuthorizationCodeFlowOnly() throws {
        let inject = "{headers: {Authorization: \"Bearer {{access_token}}\", Client-Id: \"{{oauth_client_id}}\"}}"
        let provider = try #require(try load(auth: "  scopes: [a]", inject: inject))
        #expect(provider.injection.variables.contains("oauth_client_id"))
        #expect(problems(auth: "  scopes: [a]", mode: "oauth2_client_credentials", inject: inject).contains { $0.contains("oauth_client_id") })
    }
}
