import Foundation

/// The outbound HTTP a token endpoint needs, injected so tests can stand in for a provider on demand.
public protocol TokenHTTPClient: Sendable {
    /// POSTs a form; returns status, content type and body. Throws only for transport failures and timeouts.
    func postForm(url: String, form: [(String, String)], headers: [(String, String)]) async throws -> TokenHTTPResponse
}

/// A token endpoint's answer.
public struct TokenHTTPResponse: Sendable {
    /// HTTP status.
    public var status: Int
    /// The Content-Type header.
    public var contentType: String?
    /// The body.
    public var body: Data

    /// Creates a response.
    public init(status: Int, contentType: String?, body: Data) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}
