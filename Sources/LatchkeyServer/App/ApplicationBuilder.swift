import Hummingbird
import LatchkeyCore
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the HTTP application. The executable and the tests call the same function.
public enum ApplicationBuilder {
    /// The router with every route and middleware, over `runtime`.
    public static func router(runtime: LatchkeyRuntime, web: WebAssets? = nil) -> Router<AppRequestContext> {
        router(runtime: runtime, web: web, mcp: mcpController(runtime: runtime))
    }

    /// `/mcp` and what it shares with the event loops' relay of remote tool calls: the remote servers' sessions, and
    /// the process's one `ProxyForwarder` (and its one set of proxy metrics), which every proxy path uses.
    static func mcpController(runtime: LatchkeyRuntime) -> MCPController {
        let configuration = runtime.configuration
        let forwarder = ProxyForwarder(agents: runtime.agents, callGate: runtime.callGate, refresher: runtime.refresher, connectValues: runtime.connectValues,
                                       credentials: runtime.credentials, upstream: runtime.upstream, catalog: runtime.catalog, links: runtime.links,
                                       clock: runtime.clock, bodyLimit: configuration.proxyBodyLimit, metrics: ProxyMetrics())
        let remote = RemoteToolset(client: RemoteMCPClient(forwarder: forwarder, agents: runtime.agents, links: runtime.links), catalog: runtime.catalog)
        return MCPController(agents: runtime.agents, bindings: runtime.store, forwarder: forwarder, tools: ToolCatalog(catalog: runtime.catalog), remote: remote,
                             limit: configuration.proxyBodyLimit,
                             origins: MCPController.originValidator(publicURL: configuration.publicURL, host: configuration.host, port: configuration.port))
    }

    static func router(runtime: LatchkeyRuntime, web: WebAssets?, mcp: MCPController) -> Router<AppRequestContext> {
        _ = PrometheusSetup.registry
        let router = Router(context: AppRequestContext.self)
        let renderer = web.map { PageRenderer(assets: $0, secureCookies: runtime.configuration.publicURL.hasPrefix("https://")) }
        router.add(middleware: ErrorMiddleware(renderer: renderer))
        router.add(middleware: HeaderLimitMiddleware(limit: runtime.configuration.headerLimit))
        // The proxy answers ahead of the router; its calls are counted by `latchkey_proxy_requests_total`.
        let forwarder = mcp.forwarder
        router.add(middleware: ProxyMiddleware(forwarder: forwarder))
        router.add(middleware: MetricsMiddleware())
        OperationsController(store: runtime.store, catalog: runtime.catalog, metricsToken: runtime.configuration.metricsToken,
                             trustedProxies: runtime.configuration.trustedProxies).register(on: router)
        AgentController(agents: runtime.agents, catalog: runtime.catalog, links: runtime.links, tools: mcp.tools).register(on: router)
        mcp.register(on: router)
        MCPPassThrough(forwarder: forwarder, agents: runtime.agents, catalog: runtime.catalog, links: runtime.links, limit: runtime.configuration.proxyBodyLimit)
            .register(on: router)
        OpenAPIController().register(on: router)
        let api = router.group("api/v1").add(middleware: UserAuthMiddleware(users: runtime.users, sessions: runtime.sessions))
        let limit = runtime.configuration.apiBodyLimit
        ProvidersController(catalog: runtime.catalog, userProviders: runtime.userProviders, limit: limit).register(on: api)
        CredentialsController(credentials: runtime.credentials, refresher: runtime.refresher, revocation: runtime.revocation, limit: limit).register(on: api)
        GroupsController(groups: runtime.groups, limit: limit).register(on: api)
        BudgetsController(budgets: runtime.budgets, limit: limit).register(on: api)
        ApprovalsController(approvals: runtime.approvals, links: runtime.links, clock: runtime.clock, limit: limit).register(on: api)
        AccountController(warnings: runtime.warnings, audit: runtime.store, oauthApps: runtime.oauthApps, publicURL: runtime.configuration.publicURL, limit: limit)
            .register(on: api)
        WebhooksController(webhooks: runtime.webhooks, limit: limit).register(on: api)
        OAuthController(oauthFlow: runtime.oauthFlow, credentials: runtime.credentials, refresher: runtime.refresher, sessions: runtime.sessions,
                        users: runtime.store, links: runtime.links, limit: limit, renderer: renderer).register(api: api, router: router)
        if let web, let renderer {
            dashboard(runtime: runtime, assets: web, renderer: renderer).register(on: router)
        }
        return router
    }

    /// The application listening on the configured address, with its background services.
    public static func application(runtime: LatchkeyRuntime, logger: Logger, web: WebAssets? = nil,
                                   onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let configuration = runtime.configuration
        var services: [any Service] = [RuntimeLifecycle(shutdown: { await runtime.shutdown() }), KeyringRefresher(sealer: runtime.sealer, logger: logger),
                                       UsageFlusher(usage: runtime.usage, userProviders: runtime.userProviders, budgetGate: runtime.budgetGate,
                                                    quotas: runtime.store, clock: runtime.clock, logger: logger),
                                       WebhookSender(store: runtime.store, sealer: runtime.sealer, upstream: runtime.upstream, clock: runtime.clock,
                                                     policy: WebhookRetryPolicy(base: .milliseconds(configuration.webhookRetryBaseMilliseconds)),
                                                     timeout: configuration.webhookTimeout, logger: logger)]
        if configuration.auditRetentionDays > 0 {
            services.append(AuditRetention(store: runtime.store, clock: runtime.clock, days: configuration.auditRetentionDays, logger: logger))
        }
        if let watcher = runtime.accessChanges {
            services.append(AccessChangePoller(watcher: watcher, logger: logger))
        }
        if configuration.refreshInterval > 0 {
            services.append(BackgroundRefresher(pass: runtime.refreshPass, interval: configuration.refreshInterval, concurrency: configuration.refreshConcurrency, logger: logger))
        }
        // One forwarder (and one set of proxy metrics) for both paths: the event-loop fast path and the framework's.
        let mcp = mcpController(runtime: runtime)
        return Application(
            router: router(runtime: runtime, web: web, mcp: mcp),
            server: ProxyingHTTP1Channel.builder(proxy: EventLoopProxy(forwarder: mcp.forwarder, pools: runtime.pools, configuration: configuration, logger: logger, mcp: mcp),
                                                 timeouts: .init(idle: .seconds(Int64(configuration.agentIdleTimeout)), header: .seconds(Int64(configuration.headerTimeout)),
                                                                 body: .seconds(Int64(configuration.bodyTimeout)))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Latchkey"),
            services: services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                logger.notice("Latchkey is listening", metadata: ["url": "http://\(configuration.host):\(port)", "public_url": "\(configuration.publicURL)"])
                await onServerRunning(port)
            },
            logger: logger
        )
    }
}
