import Foundation
import PostgresNIO

/// A `postgres://user:password@host:port/database?sslmode=…&pool_size=…` URL, as a PostgresNIO client configuration.
///
/// - `sslmode`: `disable`, `prefer` (the default: TLS when the server offers it, verified), or `require`.
/// - `pool_size`: connections per process (default 10). Size it so that servers × pool_size plus cron stays under the
///   server's `max_connections`.
/// - A Unix socket: `postgres://user@/database?host=/var/run/postgresql` (the directory; the socket for another port is
///   named as the file, `host=/var/run/postgresql/.s.PGSQL.5433`).
public struct PostgresURL: Sendable {
    /// The client configuration.
    public let configuration: PostgresClient.Configuration

    /// Parses `text`; errors never repeat the password.
    public init(_ text: String) throws(PostgresURLError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw PostgresURLError("not a postgres:// URL")
        }
        guard let user = components.user.map({ $0.removingPercentEncoding ?? $0 }), !user.isEmpty else {
            throw PostgresURLError("the URL names no user (postgres://USER@host/database)")
        }
        let password = components.password.map { $0.removingPercentEncoding ?? $0 }
        let database = components.path.hasPrefix("/") && components.path.count > 1 ? String(components.path.dropFirst()) : nil
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let known: Set = ["sslmode", "pool_size", "host"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw PostgresURLError("unknown parameter '\(unknown)' (known: sslmode, pool_size, host)")
        }

        var configuration: PostgresClient.Configuration
        if let socket = query["host"], socket.hasPrefix("/") {
            // A directory (libpq's convention: the socket inside is .s.PGSQL.<port>), or the socket file itself.
            let isFile = (socket.split(separator: "/").last ?? "").hasPrefix(".s.PGSQL.")
            let path = isFile ? socket : socket + "/.s.PGSQL.\(components.port ?? 5432)"
            configuration = PostgresClient.Configuration(unixSocketPath: path, username: user, password: password, database: database)
        } else {
            guard let host = components.host, !host.isEmpty else { throw PostgresURLError("the URL names no host") }
            let tls: PostgresClient.Configuration.TLS
            switch query["sslmode"] ?? "prefer" {
            case "disable": tls = .disable
            case "prefer": tls = .prefer(.makeClientConfiguration())
            case "require", "verify-full": tls = .require(.makeClientConfiguration())
            case let other: throw PostgresURLError("sslmode '\(other)' is not one of disable, prefer, require")
            }
            configuration = PostgresClient.Configuration(host: host, port: components.port ?? 5432, username: user, password: password, database: database, tls: tls)
        }
        if let size = query["pool_size"] {
            guard let count = Int(size), (1...500).contains(count) else { throw PostgresURLError("pool_size must be a whole number from 1 to 500") }
            configuration.options.maximumConnections = count
        } else {
            configuration.options.maximumConnections = 10
        }
        // Each time a connection goes back to the pool PostgresNIO starts its timers (the idle timeout, the keep-alive),
        // and a cancelled timer, a Task.sleep, keeps its task's memory until it would have fired: at a thousand
        // statements a second its 60 s idle timeout and 30 s keep-alive held about 50 MB (a refresh pass of 100,000
        // credentials peaked at 151 MB). A connection idle for 30 s is closed instead, which bounds that memory by half
        // and leaves no connection idle long enough to need a keep-alive query (a dead one is replaced when it closes).
        configuration.options.connectionIdleTimeout = .seconds(30)
        configuration.options.keepAliveBehavior = nil
        configuration.options.connectTimeout = .seconds(10)
        self.configuration = configuration
    }
}

/// Why a PostgreSQL URL was refused.
public struct PostgresURLError: Error, Sendable, CustomStringConvertible {
    /// The reason, without the password.
    public let description: String
    init(_ description: String) { self.description = "bad PostgreSQL URL: \(description)" }
}
