import AsyncHTTPClient
import Foundation
import LatchkeyCore
import NIOCore
import NIOPosix

/// The pooled HTTP client for provider APIs and token endpoints. Redirects are never followed: a 3xx goes back to
/// the agent, and a token endpoint that redirects fails, so no credential is ever replayed to another host.
public final class UpstreamClient: Sendable {
    let http: HTTPClient
    /// The longest a token request may take: far below the refresh lease, so a lease holder's request is over
    /// before anyone else may take the lease (see `Refresher.leaseDuration`).
    static let tokenRequestTimeout: TimeAmount = .seconds(20)

    /// Creates the client with connect and read timeouts in seconds.
    public init(connectTimeout: Int, readTimeout: Int) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(Int64(connectTimeout)), read: .seconds(Int64(readTimeout)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 128)
        configuration.decompression = .disabled
        http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    /// Sends a proxied request; the deadline bounds the whole exchange generously, the read timeout catches silence.
    func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        try await http.execute(request, timeout: .hours(1))
    }

    /// Closes every connection. Safe to call more than once.
    public func shutdown() async {
        try? await http.shutdown()
    }
}

extension UpstreamClient: TokenHTTPClient {
    public func postForm(url: String, form: [(String, String)], headers: [(String, String)]) async throws -> TokenHTTPResponse {
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
}
