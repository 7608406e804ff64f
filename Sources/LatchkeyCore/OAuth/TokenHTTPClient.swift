import Foundation

/// The outbound HTTP a token endpoint needs, injected so tests can stand in for a provider on demand.
public protocol TokenHTTPClient: Sendable {
    /// POSTs a form; returns status, content type and body. Throws only for transport failures and timeouts.
    func postForm(url: String, form: [(String, String)], headers: [(String, String)]) async throws -> TokenHTTPResponse
    /// The same, connecting only to a public address when `publicAddressOnly` (the URL's host came from a credential).
    /// Throws `LatchkeyError.upstreamForbidden` when the host is not public.
    func postForm(url: String, form: [(String, String)], headers: [(String, String)], publicAddressOnly: Bool) async throws -> TokenHTTPResponse
    /// Any other request of an OAuth client: metadata reads (GET), dynamic registration (POST JSON), an MCP server's
    /// first unauthenticated request. Redirects are not followed; the body is read up to 1 MiB.
    func send(method: String, url: String, body: Data?, headers: [(String, String)], publicAddressOnly: Bool) async throws -> TokenHTTPResponse
}

extension TokenHTTPClient {
    /// Clients that never leave the process (test endpoints) need no address check.
    public func postForm(url: String, form: [(String, String)], headers: [(String, String)], publicAddressOnly: Bool) async throws -> TokenHTTPResponse {
        try await postForm(url: url, form: form, headers: headers)
    }

    /// Clients for token endpoints only (test stand-ins) cannot discover.
    public func send(method: String, url: String, body: Data?, headers: [(String, String)], publicAddressOnly: Bool) async throws -> TokenHTTPResponse {
        throw LatchkeyError.upstreamUnreachable("discovery is not available")
    }
}

/// A token endpoint's answer.
public struct TokenHTTPResponse: Sendable {
    /// HTTP status.
    public var status: Int
    /// The Content-Type header.
    public var contentType: String?
    /// The body.
    public var body: Data
    /// The `WWW-Authenticate` header, when the server sent one (a 401 names its resource metadata there).
    public var wwwAuthenticate: String?

    /// Creates a response.
    public init(status: Int, contentType: String?, body: Data, wwwAuthenticate: String? = nil) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.wwwAuthenticate = wwwAuthenticate
    }
}
