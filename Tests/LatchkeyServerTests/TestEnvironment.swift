import Foundation
import Hummingbird
import HummingbirdTesting
import LatchkeyCore
import LatchkeyServer
import LatchkeySQLite
import Logging

/// A Latchkey runtime on a fresh SQLite database, with test providers pointing at a loopback upstream.
struct TestEnvironment {
    let directory: URL
    let runtime: LatchkeyRuntime
    /// The master key, so a second runtime can share the database (`sharing:`).
    let masterKey: String

    /// Test providers: header, query and basic injection at `upstreamPort`, and one at a closed port.
    static func providerFiles(upstreamPort: Int) -> [String: String] {
        [
            "echo": """
            name: Echo
            auth:
              mode: api_key
              fields: [{name: api_key, label: API key, pattern: "^[A-Za-z0-9_-]+$"}]
            proxy:
              base_url: http://127.0.0.1:\(upstreamPort)/base/v1
              inject: {headers: {Authorization: "Bearer {{api_key}}", X-Fixed: fixed-value}}
            """,
            "echo-query": """
            name: Echo query
            auth: {mode: api_key}
            proxy:
              base_url: http://127.0.0.1:\(upstreamPort)/q
              inject: {query: {appid: "{{api_key}}"}}
            """,
            "echo-basic": """
            name: Echo basic
            auth: {mode: basic}
            proxy:
              base_url: http://127.0.0.1:\(upstreamPort)
            """,
            "fakeoauth": """
            name: Fake OAuth
            auth:
              mode: oauth2
              authorization_url: http://127.0.0.1:9/authorize
              token_url: http://127.0.0.1:9/token
              scopes: [read]
              default_token_ttl: 1800
            proxy:
              base_url: http://127.0.0.1:\(upstreamPort)/oauth-api
            """,
            "fakeoauth-cc": """
            name: Fake OAuth client credentials
            auth:
              mode: oauth2_client_credentials
              token_url: http://127.0.0.1:9/token
            proxy:
              base_url: http://127.0.0.1:\(upstreamPort)/cc-api
            """,
            "fakemeta": """
            name: Fake Meta (token exchange instead of refresh)
            auth:
              mode: oauth2
              authorization_url: http://127.0.0.1:9/dialog/oauth
              token_url: http://127.0.0.1:9/oauth/access_token
              refresh: {grant: exchange, grant_type: fb_exchange_token, token_param: fb_exchange_token}
              pkce: false
              refresh_window: 604800
            proxy:
              base_url: http://127.0.0.1:\(upstreamPort)/graph
            """,
            "fakeslack-user": """
            name: Fake Slack user token
            auth:
              mode: oauth2
              authorization_url: http://127.0.0.1:9/oauth/v2/authorize
              token_url: http://127.0.0.1:9/api/oauth.v2.access
              refresh_url: http://127.0.0.1:9/api/oauth.v2.refresh
              scope_param: user_scope
              scopes: [chat:write, users:read]
              scope_separator: ","
              token_response: {access_token: authed_user.access_token, refresh_token: authed_user.refresh_token, expires_in: authed_user.expires_in, scope: authed_user.scope}
            proxy:
              base_url: http://127.0.0.1:\(upstreamPort)/slack
              inject: {headers: {Authorization: "Bearer {{access_token}}", X-Client: "{{oauth_client_id}}"}}
            """,
            "fakeoidc": """
            name: Fake OpenID Connect (issuer typed at connect)
            auth:
              mode: oauth2
              issuer_field: issuer
              scopes: [openid, offline_access]
              fields:
                - {name: issuer, secret: false, pattern: '^https://[a-z0-9.-]+(/[A-Za-z0-9._-]+)*$'}
            proxy:
              base_url: http://127.0.0.1:\(upstreamPort)/oidc-api
            """,
            "dead": """
            name: Dead
            auth: {mode: api_key}
            proxy:
              base_url: http://127.0.0.1:9/none
              inject: {headers: {X-Key: "{{api_key}}"}}
            """,
        ]
    }

    init(upstreamPort: Int = 9, proxyBodyLimit: Int = 10 * 1024 * 1024, tokenHTTP: (any TokenHTTPClient)? = nil, clock: any WallClock = SystemClock(),
         accessCacheMilliseconds: Int = 1000, accessCacheLifetimeMilliseconds: Int = 0, allowPrivate: Bool = false,
         sharing other: TestEnvironment? = nil) async throws {
        directory = other?.directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("latchkey-server-test-\(UUID().uuidString)")
        masterKey = other?.masterKey ?? MasterKey.generateBase64()
        let providers = directory.appendingPathComponent("providers")
        try FileManager.default.createDirectory(at: providers, withIntermediateDirectories: true)
        for (id, text) in Self.providerFiles(upstreamPort: upstreamPort) where other == nil {
            try text.write(to: providers.appendingPathComponent("\(id).yaml"), atomically: true, encoding: .utf8)
        }
        var configuration = ServerConfiguration(
            host: "127.0.0.1", port: 0, database: .sqlite(path: directory.appendingPathComponent("latchkey.db").path),
            publicURL: "http://latchkey.test", providerSources: [CatalogSource(directory: providers.path, strict: false)],
            masterKey: .inline(masterKey), proxyBodyLimit: proxyBodyLimit, apiBodyLimit: 1024 * 1024,
            upstreamConnectTimeout: 2, upstreamTimeout: 5, headerLimit: 32 * 1024
        )
        configuration.refreshInterval = 0
        configuration.accessCacheMilliseconds = accessCacheMilliseconds
        configuration.accessCacheLifetimeMilliseconds = accessCacheLifetimeMilliseconds
        configuration.allowPrivateUpstreams = allowPrivate
        runtime = try await LatchkeyRuntime.open(configuration, createKey: false, logger: Logger(label: "test"), clock: clock, hasher: BcryptHasher(cost: 4), tokenHTTP: tokenHTTP)
    }

    /// Adds a user and returns an `Authorization` value for its API token.
    func user(_ email: String, role: User.Role = .member) async throws -> String {
        _ = try await runtime.users.add(email: email, password: "correct horse battery", role: role)
        return "Bearer " + (try await runtime.users.createToken(email: email, name: "test"))
    }

    /// The application under test.
    var application: some ApplicationProtocol {
        ApplicationBuilder.application(runtime: runtime, logger: Logger(label: "test"))
    }

    /// Runs `body` against a live Latchkey.
    func live<T: Sendable>(_ body: @Sendable @escaping (any TestClientProtocol) async throws -> T) async throws -> T {
        try await application.test(.live, body)
    }
}
