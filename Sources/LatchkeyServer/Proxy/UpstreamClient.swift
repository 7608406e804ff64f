import AsyncHTTPClient
import Foundation
import LatchkeyCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The pooled HTTP client for provider APIs and token endpoints. Redirects are never followed: a 3xx goes back to
/// the agent, and a token endpoint that redirects fails, so no credential is ever replayed to another host.
public final class UpstreamClient: Sendable {
    private let configuration: HTTPClient.Configuration
    /// Created on first use, so processes that never call out (most commands) own no connection pool to close.
    private let client = Mutex<HTTPClient?>(nil)
    /// The longest a token request may take: far below the refresh lease, so a lease holder's request is over
    /// before anyone else may take the lease (see `Refresher.leaseDuration`).
    static let tokenRequestTimeout: TimeAmount = .seconds(20)

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

extension UpstreamClient: TokenHTTPClient {
    public func postForm(url: String, form: [(String, String)], headers: [(String, String)]) async throws -> TokenHTTPResponse {
        try await postForm(url: url, form: form, headers: headers, publicAddressOnly: false)
    }

    public func postForm(url: String, form: [(String, String)], headers: [(String, String)], publicAddressOnly: Bool) async throws -> TokenHTTPResponse {
        let http: HTTPClient
        do { http = try await client(for: url, publicAddressOnly: publicAddressOnly) } catch UpstreamAddressGuard.Refusal.notPublic {
            throw LatchkeyError.upstreamForbidden("the token endpoint")
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let body = form.map { TokenRequester.formEncode($0.0) + "=" + TokenRequester.formEncode($0.1) }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await http.execute(request, timeout: Self.tokenRequestTimeout)
        let bytes = try await response.body.collect(upTo: 1024 * 1024)
        return TokenHTTPResponse(status: Int(response.status.code), contentType: response.headers.first(name: "content-type"), body: Data(buffer: bytes))
    }

    public func send(method: String, url: String, body: Data?, headers: [(String, String)], publicAddressOnly: Bool) async throws -> TokenHTTPResponse {
        let http: HTTPClient
        do { http = try await client(for: url, publicAddressOnly: publicAddressOnly) } catch UpstreamAddressGuard.Refusal.notPublic {
            throw LatchkeyError.upstreamForbidden("the server")
        }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(data: body)) }
        let response = try await http.execute(request, timeout: Self.tokenRequestTimeout)
        let bytes = try await response.body.collect(upTo: 1024 * 1024)
        return TokenHTTPResponse(status: Int(response.status.code), contentType: response.headers.first(name: "content-type"), body: Data(buffer: bytes),
                                 wwwAuthenticate: response.headers.first(name: "www-authenticate"))
    }
}
