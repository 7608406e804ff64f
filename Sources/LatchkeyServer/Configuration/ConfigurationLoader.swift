import Foundation
import LatchkeyCore

/// Builds a `ServerConfiguration` from flags, then the environment, then defaults, listing every problem at once.
public struct ConfigurationLoader: Sendable {
    /// Values given on the command line (nil: not given).
    public struct Flags: Sendable {
        public var host: String?
        public var port: Int?
        public var databaseURL: String?
        public var publicURL: String?
        public var providers: [String]
        /// Creates flags.
        public init(host: String? = nil, port: Int? = nil, databaseURL: String? = nil, publicURL: String? = nil, providers: [String] = []) {
            self.host = host
            self.port = port
            self.databaseURL = databaseURL
            self.publicURL = publicURL
            self.providers = providers
        }
    }

    /// The default data directory, relative to the working directory.
    public static let dataDirectory = ".latchkey"

    let environment: [String: String]

    /// Creates a loader over `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// Resolves the configuration.
    public func load(_ flags: Flags) throws(ConfigurationError) -> ServerConfiguration {
        var problems: [String] = []
        let host = flags.host ?? environment["LATCHKEY_HOST"] ?? "127.0.0.1"
        var port = 8080
        if let value = flags.port ?? environment["LATCHKEY_PORT"].flatMap({ Int($0) }) { port = value }
        if environment["LATCHKEY_PORT"] != nil && flags.port == nil && Int(environment["LATCHKEY_PORT"] ?? "") == nil { problems.append("LATCHKEY_PORT must be a number") }
        if !(0...65535).contains(port) { problems.append("the port must be between 0 and 65535") }

        var database = DatabaseLocation.sqlite(path: "\(Self.dataDirectory)/latchkey.db")
        if let text = flags.databaseURL ?? environment["LATCHKEY_DATABASE_URL"] {
            do { database = try DatabaseLocation.parse(text) } catch { problems.append(error.message) }
        }

        let publicURL = (flags.publicURL ?? environment["LATCHKEY_PUBLIC_URL"] ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
        if URLComponents(string: publicURL)?.host == nil || !(publicURL.hasPrefix("http://") || publicURL.hasPrefix("https://")) {
            problems.append("the public URL '\(publicURL)' must be an absolute http(s) URL")
        }

        var sources: [CatalogSource] = []
        if let builtIn = environment["LATCHKEY_PROVIDERS_DIR"] ?? Self.builtInCatalog() {
            sources.append(CatalogSource(directory: builtIn, strict: environment["LATCHKEY_PROVIDERS_DIR"] == nil))
        } else {
            problems.append("no provider catalog found: run from the repository root, or set LATCHKEY_PROVIDERS_DIR")
        }
        sources += flags.providers.map { CatalogSource(directory: $0, strict: false) }

        let masterKey: MasterKeySource
        if let inline = environment["LATCHKEY_MASTER_KEY"] {
            masterKey = .inline(inline)
        } else if let file = environment["LATCHKEY_MASTER_KEY_FILE"] {
            masterKey = .file(path: file, createIfMissing: false)
        } else {
            masterKey = .file(path: "\(Self.dataDirectory)/master.key", createIfMissing: true)
        }

        func positive(_ name: String, _ fallback: Int) -> Int {
            guard let text = environment[name] else { return fallback }
            guard let value = Int(text), value > 0 else { problems.append("\(name) must be a positive number"); return fallback }
            return value
        }
        var configuration = ServerConfiguration(
            host: host, port: port, database: database, publicURL: publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL,
            providerSources: sources, masterKey: masterKey,
            proxyBodyLimit: positive("LATCHKEY_PROXY_BODY_LIMIT", 10 * 1024 * 1024),
            apiBodyLimit: positive("LATCHKEY_API_BODY_LIMIT", 1024 * 1024),
            upstreamConnectTimeout: positive("LATCHKEY_UPSTREAM_CONNECT_TIMEOUT", 10),
            upstreamTimeout: positive("LATCHKEY_UPSTREAM_TIMEOUT", 60),
            headerLimit: positive("LATCHKEY_HEADER_LIMIT", 32 * 1024)
        )
        if let text = environment["LATCHKEY_REFRESH_INTERVAL"] {
            if let value = Int(text), value >= 0 { configuration.refreshInterval = value } else { problems.append("LATCHKEY_REFRESH_INTERVAL must be a number of seconds (0 turns background refresh off)") }
        }
        configuration.refreshConcurrency = positive("LATCHKEY_REFRESH_CONCURRENCY", 8)
        if let text = environment["LATCHKEY_ACCESS_CACHE_MS"] {
            if let value = Int(text), (0...60_000).contains(value) { configuration.accessCacheMilliseconds = value } else {
                problems.append("LATCHKEY_ACCESS_CACHE_MS must be a number of milliseconds from 0 (off) to 60000")
            }
        }
        if let text = environment["LATCHKEY_ACCESS_CACHE_LIFETIME_MS"] {
            if let value = Int(text), (0...3_600_000).contains(value) { configuration.accessCacheLifetimeMilliseconds = value } else {
                problems.append("LATCHKEY_ACCESS_CACHE_LIFETIME_MS must be a number of milliseconds from 0 to 3600000 (one hour)")
            }
        }
        if let text = environment["LATCHKEY_TRUSTED_PROXIES"] {
            switch TrustedProxies.parse(text) {
            case .success(let proxies): configuration.trustedProxies = proxies
            case .failure(let error): problems.append("LATCHKEY_TRUSTED_PROXIES: '\(error.entry)' is not an IP address or CIDR block")
            }
        }
        if let token = environment["LATCHKEY_METRICS_TOKEN"] {
            // A short token would be guessable; the value itself is never echoed.
            if token.utf8.count >= 16, token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) { configuration.metricsToken = token } else {
                problems.append("LATCHKEY_METRICS_TOKEN must be at least 16 printable characters without spaces")
            }
        }
        configuration.passwordThreads = positive("LATCHKEY_PASSWORD_THREADS", 2)
        configuration.quotas = Quotas(credentialsPerUser: positive("LATCHKEY_MAX_CREDENTIALS_PER_USER", 10_000),
                                      groupsPerUser: positive("LATCHKEY_MAX_GROUPS_PER_USER", 1_000),
                                      keysPerGroup: positive("LATCHKEY_MAX_KEYS_PER_GROUP", 1_000))
        if let text = environment["LATCHKEY_AUDIT_RETENTION_DAYS"] {
            if let value = Int(text), (0...36_500).contains(value) { configuration.auditRetentionDays = value } else {
                problems.append("LATCHKEY_AUDIT_RETENTION_DAYS must be a number of days (0 keeps audit events forever)")
            }
        }
        configuration.webhookRetryBaseMilliseconds = positive("LATCHKEY_WEBHOOK_RETRY_BASE_MS", 5000)
        configuration.webhookTimeout = positive("LATCHKEY_WEBHOOK_TIMEOUT", 10)
        configuration.agentIdleTimeout = positive("LATCHKEY_AGENT_IDLE_TIMEOUT", 60)
        configuration.headerTimeout = positive("LATCHKEY_HEADER_TIMEOUT", 10)
        configuration.bodyTimeout = positive("LATCHKEY_BODY_TIMEOUT", 30)
        if let text = environment["LATCHKEY_ALLOW_PRIVATE_UPSTREAMS"] {
            switch text.lowercased() {
            case "1", "on", "true", "yes": configuration.allowPrivateUpstreams = true
            case "0", "off", "false", "no", "": configuration.allowPrivateUpstreams = false
            default: problems.append("LATCHKEY_ALLOW_PRIVATE_UPSTREAMS must be on or off (1/0, true/false)")
            }
        }
        if let path = environment["LATCHKEY_CA_FILE"] {
            switch UpstreamTLS.loadTrustRoots(path: path) {
            case .success(let roots): configuration.upstreamTrustRoots = roots
            case .failure(let problem): problems.append(problem.message)
            }
        }
        let signIn = OIDCSettingsLoader(environment: environment).load()
        configuration.oidc = signIn.settings
        configuration.passwordSignIn = signIn.passwordSignIn
        problems += signIn.problems
        guard problems.isEmpty else { throw ConfigurationError(problems.joined(separator: "\n")) }
        return configuration
    }

    /// The shipped catalog: `./providers`, or next to the build directory of the executable.
    static func builtInCatalog() -> String? {
        let fm = FileManager.default
        var candidates = ["providers"]
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        // .build/<triple>/debug/latchkey → repository root is three levels up; also allow an installed share dir.
        candidates.append(executable.appendingPathComponent("../../../providers").standardized.path)
        candidates.append(executable.appendingPathComponent("../../providers").standardized.path)
        candidates.append(executable.appendingPathComponent("../share/latchkey/providers").standardized.path)
        return candidates.first { var isDir: ObjCBool = false; return fm.fileExists(atPath: $0, isDirectory: &isDir) && isDir.boolValue }
    }
}
