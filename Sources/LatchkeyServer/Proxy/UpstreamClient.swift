import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The pooled HTTP client for provider APIs. Redirects are never followed: a 3xx goes back to the agent,
/// so a credential is never replayed to a host the provider points at.
public final class UpstreamClient: Service, Sendable {
    let http: HTTPClient
    let readTimeout: TimeAmount

    /// Creates the client with connect and read timeouts in seconds.
    public init(connectTimeout: Int, readTimeout: Int) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(Int64(connectTimeout)), read: .seconds(Int64(readTimeout)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 128)
        configuration.decompression = .disabled
        configuration.httpVersion = .automatic
        http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        self.readTimeout = .seconds(Int64(readTimeout))
    }

    /// Sends `request`; the deadline bounds the whole exchange generously, the read timeout catches silence.
    func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        try await http.execute(request, timeout: .hours(1))
    }

    public func run() async throws {
        // Keep the pool until the service group shuts down, then close every connection.
        try? await gracefulShutdown()
        try await http.shutdown()
    }
}
