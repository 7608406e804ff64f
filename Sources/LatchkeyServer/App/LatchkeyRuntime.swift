import Foundation
import LatchkeyCore
import LatchkeyPostgres
import LatchkeySQLite
import Logging
import NIOPosix

/// An opened deployment: configuration, store, catalog, sealer and the domain services over them.
/// `serve` and every command build one of these, so they all work on the same database the same way.
public struct LatchkeyRuntime: Sendable {
    public let configuration: ServerConfiguration
    public let store: any Store
    public let catalog: Catalog
    public let sealer: Sealer
    public let clock: any WallClock
    public let links: SetupLinks
    public let credentials: CredentialService
    public let groups: GroupService
    public let agents: AgentService
    public let users: UserService
    public let warnings: WarningService
    public let oauthApps: OAuthAppService
    public let keyRotation: KeyRotation
    /// The pooled HTTP client for proxied calls that stream and for webhooks.
    public let upstream: UpstreamClient
    /// Keep-alive connections to providers per event loop: the proxy's fast path and every OAuth client request.
    let pools: UpstreamPools
    public let refresher: Refresher
    /// Learns the connect values a credential connected before they were declared lacks, on its first call.
    public let connectValues: ConnectValueBackfill
    public let refreshPass: RefreshPass
    /// Reads the access change log for the access cache, when it is watched (`ServerConfiguration.watchesAccessChanges`).
    public let accessChanges: AccessChangeWatcher?
    public let oauthFlow: OAuthFlowService
    public let revocation: RevocationService
    public let sessions: SessionService
    /// Where sign-in checks password hashes: threads of their own, bounded.
    let passwordChecks: ThreadPoolPasswordChecks
    /// Sign-in through the deployment's OpenID Connect provider, when one is configured.
    let sso: OIDCSignIn?
    public let setup: SetupService
    /// Budgets: quota leases and calls in flight on this server.
    public let budgetGate: BudgetGate
    /// Daily call counts, flushed to the database now and then.
    public let usage: UsageRecorder
    public let budgets: BudgetService
    public let approvals: ApprovalService
    /// Policy, approvals and budget, in front of every agent call.
    public let callGate: CallGate
    /// Users' own remote MCP servers.
    public let userProviders: UserProviderService
    /// Users' webhook endpoints.
    public let webhooks: WebhookService

    /// Opens the deployment: validates the catalog, opens and migrates the store, loads the master key.
    /// `createKey` lets `serve` create the default key file on first run.
    public static func open(_ configuration: ServerConfiguration, createKey: Bool, logger: Logger, clock: any WallClock = SystemClock(),
                            hasher: any PasswordHasher = BcryptHasher(), tokenHTTP: (any TokenHTTPClient)? = nil) async throws -> LatchkeyRuntime {
        let catalog: Catalog
        do { catalog = try CatalogLoader.load(configuration.providerSources) } catch {
            throw ConfigurationError("the provider catalog is invalid:\n\(error)")
        }
        let store = try await openStore(configuration.database, logger: logger, clock: clock)
        let sealer: Sealer
        do {
            let master = try MasterKeyLoader.load(configuration.masterKey, create: createKey, logger: logger)
            sealer = Sealer(master: master, keyStore: store, clock: clock)
            do { try await sealer.bootstrap() } catch let error as SealingError { throw ConfigurationError("\(error)") }
        } catch {
            await store.close()
            throw error
        }
        let runtime = LatchkeyRuntime(configuration: configuration, store: store, catalog: catalog, sealer: sealer, clock: clock, hasher: hasher, logger: logger, tokenHTTP: tokenHTTP)
        // Users' remote MCP servers join the catalog before anything is served or refreshed.
        do { try await runtime.userProviders.reload() } catch {
            await store.close()
            throw ConfigurationError("cannot read the users' remote MCP servers: \(error)")
        }
        return runtime
    }

    /// Builds the services over already-open parts (tests use this with their own store and clock).
    public init(configuration: ServerConfiguration, store: any Store, catalog: Catalog, sealer: Sealer, clock: any WallClock, hasher: any PasswordHasher,
                logger: Logger, tokenHTTP: (any TokenHTTPClient)? = nil) {
        self.configuration = configuration
        self.store = store
        self.catalog = catalog
        self.sealer = sealer
        self.clock = clock
        links = SetupLinks(publicURL: configuration.publicURL)
        // One access cache, emptied by the services' successful writes only: a read or a stranger's request never
        // costs the proxy its cache.
        // Watched (entries live the long lifetime, the change log is read every access cache time) or not (entries
        // live the access cache time).
        let watched = configuration.watchesAccessChanges
        let cache = AccessCache(ttl: .milliseconds(watched ? configuration.accessCacheLifetimeMilliseconds : configuration.accessCacheMilliseconds),
                                confirmedByPolls: watched)
        accessChanges = watched ? AccessChangeWatcher(store: store, cache: cache, interval: .milliseconds(configuration.accessCacheMilliseconds)) : nil
        credentials = CredentialService(store: store, catalog: catalog, sealer: sealer, clock: clock, cache: cache, quotas: configuration.quotas)
        groups = GroupService(store: store, catalog: catalog, clock: clock, cache: cache, quotas: configuration.quotas)
        // The refresher and the agents' cache judge due tokens by one policy.
        let refreshPolicy = RefreshPolicy()
        agents = AgentService(store: store, catalog: catalog, credentials: credentials, links: links, clock: clock, cache: cache)
        users = UserService(store: store, hasher: hasher, clock: clock)
        warnings = WarningService(store: store, links: links, clock: clock)
        oauthApps = OAuthAppService(store: store, catalog: catalog, sealer: sealer, clock: clock)
        keyRotation = KeyRotation(store: store, sealer: sealer)
        upstream = UpstreamClient(connectTimeout: configuration.upstreamConnectTimeout, readTimeout: configuration.upstreamTimeout,
                                  allowPrivateUpstreams: configuration.allowPrivateUpstreams, trustRoots: configuration.upstreamTrustRoots)
        pools = UpstreamPools(settings: .init(configuration))
        let outbound = tokenHTTP ?? PooledTokenClient(pools: pools, group: MultiThreadedEventLoopGroup.singleton)
        let requester = TokenRequester(http: outbound)
        // One opened-app cache for every token request of this process.
        let registrar = ClientRegistrar(http: outbound, store: store, sealer: sealer, clock: clock, redirectURI: links.callback,
                                        metadataDocumentURL: configuration.publicURL.hasPrefix("https://") || configuration.allowPrivateUpstreams ? links.clientMetadataDocument : nil)
        let clients = OAuthClientSource(store: store, sealer: sealer, clock: clock,
                                        discovered: DiscoveredClients(discovery: MCPDiscovery(http: outbound), registrar: registrar, clock: clock))
        refresher = Refresher(store: store, catalog: catalog, sealer: sealer, requester: requester, clock: clock, observer: RefreshMetrics(), logger: logger,
                              policy: refreshPolicy, clients: clients, cache: cache)
        connectValues = ConnectValueBackfill(store: store, http: outbound, clock: clock, links: links, cache: cache)
        refreshPass = RefreshPass(store: store, catalog: catalog, refresher: refresher, clock: clock)
        oauthFlow = OAuthFlowService(store: store, catalog: catalog, sealer: sealer, requester: requester, clients: clients, clock: clock, publicURL: configuration.publicURL,
                                     quotas: configuration.quotas, cache: cache)
        revocation = RevocationService(credentials: credentials, store: store, catalog: catalog, sealer: sealer, requester: requester, clients: clients, clock: clock)
        passwordChecks = ThreadPoolPasswordChecks(threads: configuration.passwordThreads)
        sessions = SessionService(store: store, hasher: hasher, clock: clock, checks: passwordChecks)
        setup = SetupService(store: store, users: users, clock: clock, links: links)
        let audit = AuditLog(store: store, clock: clock)
        budgetGate = BudgetGate(store: store, clock: clock, links: links) { event, group in
            // The owner's warning and the audit event, once per spent window across every server.
            Task {
                guard (try? await store.recordBudgetExceeded(event)) == true else { return }
                try? await audit.record(ownerID: group.ownerID, actor: "agent:\(group.id)", action: "budget.exceeded", targetType: "group", targetID: group.id,
                                        detail: ["scope": event.scope, "per": event.per.rawValue, "window_start": ISO8601DateFormatter().string(from: event.windowStart)])
            }
        }
        usage = UsageRecorder(store: store, clock: clock)
        budgets = BudgetService(store: store, catalog: catalog, clock: clock, cache: cache, gate: budgetGate, usage: usage)
        approvals = ApprovalService(store: store, clock: clock, links: links)
        callGate = CallGate(approvals: approvals, budgets: budgetGate, usage: usage, audit: audit)
        let allowPrivate = configuration.allowPrivateUpstreams
        let checkAddress: @Sendable (String, Int) async throws -> Void = { host, port in
            guard !allowPrivate else { return }
            _ = try await NIOThreadPool.singleton.runIfActive { try UpstreamAddressGuard.publicAddresses(host: host, port: port) }
        }
        userProviders = UserProviderService(store: store, catalog: catalog, clock: clock, allowPrivate: allowPrivate, checkAddress: checkAddress)
        webhooks = WebhookService(store: store, sealer: sealer, clock: clock, allowPrivate: allowPrivate, checkAddress: checkAddress)
        if let settings = configuration.oidc {
            sso = OIDCSignIn(settings: settings, redirectURI: configuration.publicURL + SSOPages.callbackPath, http: outbound, users: users, sessions: sessions,
                             audit: audit, clock: clock, logger: logger)
        } else {
            sso = nil
        }
    }

    /// Closes outbound connections; commands call it before they exit (`serve` does on graceful shutdown).
    public func shutdown() async {
        try? await usage.flush()
        await upstream.shutdown()
        await pools.closeIdle()
        try? await passwordChecks.shutdown()
        await store.close()
    }

    /// Opens and migrates the configured store, which stamps its own writes with `clock`'s time.
    public static func openStore(_ location: DatabaseLocation, logger: Logger, clock: any WallClock = SystemClock()) async throws -> any Store {
        switch location {
        case .sqlite(let path):
            do {
                let store = try SQLiteStore(path: path, clock: clock)
                try await store.migrate()
                return store
            } catch {
                throw ConfigurationError("cannot open the SQLite database at \(path): \(error)")
            }
        case .postgres(let url):
            let store: PostgresStore
            do { store = try PostgresStore(url: url, logger: logger, clock: clock) } catch { throw ConfigurationError(error.description) }
            do {
                try await store.migrate()
                return store
            } catch {
                await store.close()
                throw ConfigurationError("cannot open the PostgreSQL database at \(location): \(error)")
            }
        }
    }
}
