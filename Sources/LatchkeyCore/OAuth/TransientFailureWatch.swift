import Foundation
import Synchronization

/// A token client that notes whether any request it sent failed for a reason that may pass: the provider could not
/// be reached in time or answered a server error (5xx). A learning that fails that way is retried on a later call
/// instead of asking the owner to reconnect.
final class TransientFailureWatch: TokenHTTPClient {
    private let base: any TokenHTTPClient
    private let sawTransient = Atomic<Bool>(false)

    init(_ base: any TokenHTTPClient) { self.base = base }

    /// Whether a request failed in transport (not a refused address) or was answered with a 5xx.
    var sawTransientFailure: Bool { sawTransient.load(ordering: .acquiring) }

    func postForm(url: String, form: [(String, String)], headers: [(String, String)]) async throws -> TokenHTTPResponse {
        try await watched { try await base.postForm(url: url, form: form, headers: headers) }
    }

    func postForm(url: String, form: [(String, String)], headers: [(String, String)], publicAddressOnly: Bool) async throws -> TokenHTTPResponse {
        try await watched { try await base.postForm(url: url, form: form, headers: headers, publicAddressOnly: publicAddressOnly) }
    }

    func send(method: String, url: String, body: Data?, headers: [(String, String)], publicAddressOnly: Bool) async throws -> TokenHTTPResponse {
        try await watched { try await base.send(method: method, url: url, body: body, headers: headers, publicAddressOnly: publicAddressOnly) }
    }

    private func watched(_ request: () async throws -> TokenHTTPResponse) async throws -> TokenHTTPResponse {
        do {
            let response = try await request()
            if response.status >= 500 { sawTransient.store(true, ordering: .releasing) }
            return response
        } catch LatchkeyError.upstreamForbidden(let host) {
            throw LatchkeyError.upstreamForbidden(host)
        } catch {
            sawTransient.store(true, ordering: .releasing)
            throw error
        }
    }
}
