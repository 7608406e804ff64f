import AsyncHTTPClient
import Foundation
import LatchkeyCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The pooled HTTP client for proxied calls whose bodies stream, and for webhooks. Redirects are never followed: a 3xx
/// goes back to the agent, so no credential is ever replayed to another host. (Token requests go on `PooledTokenClient`.)
public final class UpstreamClient: Sendable {
    private let configuration: HTTPClient.Configuration
    /// Created on first use, so processes that never call out (most commands) own no connection pool to close.
    private let client = Mutex<HTTPClient?>(nil)

    /// Clients pinned to vetted addresses, for hosts that came from credentials.
    private let pinned: PinnedUpstreamClients
    /// `ServerConfiguration.allowPrivateUpstreams`.
    private let allowPrivateUpstreams: Bool

    /// Creates the client with connect and read timeouts in seconds; TLS trusts the system's roots and `trustRoots`.
    public init(connectTimeout: Int, readTimeout: Int, allowPrivateUpstreams: Bool = false, trustRoots: [NIOSSLCertificate] = []) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(Int64(connectTimeout)), read: .seconds(Int64(readTimeout)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 128)
        configuration.decompression = .disabled
        configuration.tlsConfiguration = UpstreamTLS.configuration(extraRoots: trustRoots)
        self.configuration = configuration
        self.allowPrivateUpstreams = allowPrivateUpstreams
        pinned = PinnedUpstreamClients(configuration: configuration)
    }

    var http: HTTPClient {
        client.withLock { existing in
            if let existing { return existing }
            let created = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
            existing = created
            return created
        }
    }

    /// Sends a proxied request; the deadline bounds the whole exchange generously, the read timeout catches silence.
    /// With `publicAddressOnly` (the host came from a credential) it goes only to a vetted public address, or fails
    /// with `UpstreamAddressGuard.Refusal` before any connection is opened.
    func execute(_ request: HTTPClientRequest, publicAddressOnly: Bool) async throws -> HTTPClientResponse {
        try await client(for: request.url, publicAddressOnly: publicAddressOnly).execute(request, timeout: .hours(1))
    }

    /// The shared client, or for a host that must be public, a client pinned to the address just vetted for it.
    func client(for url: String, publicAddressOnly: Bool) async throws -> HTTPClient {
        guard publicAddressOnly, !allowPrivateUpstreams else { return http }
        // AsyncHTTPClient keys `dnsOverride` by the URL's host as Foundation parses it; resolve exactly that name.
        guard let parsed = URL(string: url), let host = parsed.host, !host.isEmpty else { throw UpstreamAddressGuard.Refusal.unresolvable }
        let port = parsed.port ?? (parsed.scheme?.lowercased() == "https" ? 443 : 80)
        let addresses = try await NIOThreadPool.singleton.runIfActive { try UpstreamAddressGuard.publicAddresses(host: host, port: port) }
        guard let address = addresses.first?.ipAddress else { throw UpstreamAddressGuard.Refusal.unresolvable }
        return pinned.client(host: host, address: address)
    }

    /// Closes every connection. Safe to call more than once.
    public func shutdown() async {
        await pinned.shutdown()
        guard let created = client.withLock({ $0 }) else { return }
        try? await created.shutdown()
    }
}
