import LatchkeyCore
import NIOSSL

/// Everything a Latchkey process is configured with, read once at start-up.
public struct ServerConfiguration: Sendable {
    /// Listening host.
    public var host: String
    /// Listening port (0 picks a free one).
    public var port: Int
    /// Where the database is.
    public var database: DatabaseLocation
    /// The URL users reach this server at; the base of `setup_url` links and the OAuth redirect URI.
    public var publicURL: String
    /// Provider directories, in order.
    public var providerSources: [CatalogSource]
    /// Where the master key comes from.
    public var masterKey: MasterKeySource
    /// The largest request body the proxy forwards.
    public var proxyBodyLimit: Int
    /// The largest management API request body.
    public var apiBodyLimit: Int
    /// Seconds to wait for an upstream to connect.
    public var upstreamConnectTimeout: Int
    /// Seconds of upstream silence after which a call fails with `upstream_timeout`.
    public var upstreamTimeout: Int
    /// The largest total size of request headers accepted.
    public var headerLimit: Int
    /// Seconds between background refresh passes in `serve` (0 turns them off).
    public var refreshInterval: Int = 30
    /// Credentials refreshed at once by a background pass.
    public var refreshConcurrency: Int = 8
    /// The access cache time (0 turns the cache off): changes made by another process (another server, a CLI command)
    /// are seen within this time. With a longer `accessCacheLifetimeMilliseconds`, it is how often each server reads
    /// the database's access change log (see `AccessCache`, `AccessChangeWatcher`); otherwise it is the entries' lifetime.
    public var accessCacheMilliseconds: Int = 1000
    /// How long the proxy may reuse what an agent key resolved to while the change log says nothing changed.
    public var accessCacheLifetimeMilliseconds: Int = 60_000

    /// Whether the access cache is watched through the change log: on, and living longer than its poll interval.
    public var watchesAccessChanges: Bool { accessCacheMilliseconds > 0 && accessCacheLifetimeMilliseconds > accessCacheMilliseconds }
    /// Proxies whose `X-Forwarded-For` is believed (`LATCHKEY_TRUSTED_PROXIES`); none by default.
    public var trustedProxies: TrustedProxies = .none
    /// The bearer token `/metrics` asks for (`LATCHKEY_METRICS_TOKEN`); without one, `/metrics` answers loopback only.
    public var metricsToken: String?
    /// How many credentials and groups a user, and keys a group, may hold.
    public var quotas = Quotas()
    /// Days an audit event is kept (0 keeps them forever).
    public var auditRetentionDays: Int = 400
    /// Password checks (bcrypt) running at once on their own threads; sign-ins beyond these and a short queue get 429.
    public var passwordThreads: Int = 2
    /// Whether a provider host filled in from a credential may resolve to a non-public address (loopback, private
    /// networks, link-local, …). Off by default: such a credential could otherwise aim injected secrets at the
    /// deployment's own network. Hosts written by the operator in provider files are never restricted.
    public var allowPrivateUpstreams = false
    /// Trust roots for providers' and token endpoints' TLS certificates, beyond the system's (`LATCHKEY_CA_FILE`, a
    /// PEM file read and checked at start): for providers behind a private CA. Verification itself is never off.
    public var upstreamTrustRoots: [NIOSSLCertificate] = []
    /// Seconds a client connection may sit with no request under way before it is closed; also how long a response
    /// may wait for a client that stopped reading it.
    public var agentIdleTimeout = 60
    /// Seconds from the first byte of a request head to its end.
    public var headerTimeout = 10
    /// Seconds a request body may go without a byte arriving.
    public var bodyTimeout = 30
    /// The wait before a failed webhook delivery's first retry, in milliseconds (`LATCHKEY_WEBHOOK_RETRY_BASE_MS`);
    /// later waits double up to 720 times it (1 h by default) and attempts stop 17,280 times it (24 h) after the event.
    public var webhookRetryBaseMilliseconds = 5000
    /// Seconds one webhook delivery may take (`LATCHKEY_WEBHOOK_TIMEOUT`); a server holds a delivery for twice this
    /// plus 5 s, after which another server may send it again.
    public var webhookTimeout = 10
    /// Sign-in through an OpenID Connect provider (`LATCHKEY_OIDC_*`); nil when not configured.
    public var oidc: OIDCSettings?
    /// Whether the dashboard accepts email and password (`LATCHKEY_PASSWORD_SIGNIN`, on by default; off needs `oidc`).
    public var passwordSignIn = true

    /// Creates a configuration (the loader builds it from flags and environment; tests build it directly).
    public init(host: String, port: Int, database: DatabaseLocation, publicURL: String, providerSources: [CatalogSource], masterKey: MasterKeySource,
                proxyBodyLimit: Int, apiBodyLimit: Int, upstreamConnectTimeout: Int, upstreamTimeout: Int, headerLimit: Int) {
        self.host = host
        self.port = port
        self.database = database
        self.publicURL = publicURL
        self.providerSources = providerSources
        self.masterKey = masterKey
        self.proxyBodyLimit = proxyBodyLimit
        self.apiBodyLimit = apiBodyLimit
        self.upstreamConnectTimeout = upstreamConnectTimeout
        self.upstreamTimeout = upstreamTimeout
        self.headerLimit = headerLimit
    }
}

/// Where the master key comes from.
public enum MasterKeySource: Sendable, Equatable {
    /// `LATCHKEY_MASTER_KEY`: base64 in the environment.
    case inline(String)
    /// A file holding the base64 key; `createIfMissing` for the default path, which `serve` creates.
    case file(path: String, createIfMissing: Bool)
}
