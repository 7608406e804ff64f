import Foundation
import LatchkeyCore
import Synchronization

/// An in-process token endpoint for what a real server will not do on demand: slow, failing, flapping, odd bodies.
public final class ScriptedTokenEndpoint: TokenHTTPClient, Sendable {
    /// One token request as the endpoint saw it.
    public struct Call: Sendable {
        /// Where it was sent.
        public let url: String
        /// Its form fields.
        public let form: [String: String]
    }

    /// What to answer to the n-th call (0-based) with its form.
    public typealias Script = @Sendable (Int, [String: String]) async throws -> TokenHTTPResponse

    private let state = Mutex<[Call]>([])
    private let script: Mutex<Script>

    /// An endpoint answering with `script`.
    public init(_ script: @escaping Script) { self.script = Mutex(script) }

    /// The requests so far, in order.
    public var calls: [Call] { state.withLock { $0 } }
    /// How many requests so far.
    public var count: Int { state.withLock { $0.count } }

    /// Answers later requests with `script`.
    public func answer(with script: @escaping Script) { self.script.withLock { $0 = script } }

    /// Documents served to GET (discovery), by URL; nil stops serving one. Without any, discovery is unavailable.
    private let documents = Mutex<[String: String]>([:])
    public func serve(_ url: String, _ json: String?) { documents.withLock { $0[url] = json } }

    public func send(method: String, url: String, body: Data?, headers: [(String, String)], publicAddressOnly: Bool) async throws -> TokenHTTPResponse {
        let (served, any) = documents.withLock { ($0[url], !$0.isEmpty) }
        guard any else { throw LatchkeyError.upstreamUnreachable("discovery is not available") }
        guard method == "GET", let served else { return TokenHTTPResponse(status: 404, contentType: nil, body: Data()) }
        return Self.json(200, served)
    }

    public func postForm(url: String, form: [(String, String)], headers: [(String, String)]) async throws -> TokenHTTPResponse {
        let fields = Dictionary(form, uniquingKeysWith: { $1 })
        let index = state.withLock { calls in
            calls.append(Call(url: url, form: fields))
            return calls.count - 1
        }
        let script = self.script.withLock { $0 }
        return try await script(index, fields)
    }

    /// A response with a JSON body.
    public static func json(_ status: Int, _ body: String) -> TokenHTTPResponse {
        TokenHTTPResponse(status: status, contentType: "application/json", body: Data(body.utf8))
    }

    /// A successful refresh that rotates: access `a{n}`, refresh `r{n}`.
    public static let rotating: Script = { n, _ in json(200, #"{"access_token":"a\#(n)","refresh_token":"r\#(n)","expires_in":3600}"#) }
}
