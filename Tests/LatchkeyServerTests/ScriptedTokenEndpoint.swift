import Foundation
import LatchkeyCore
import Synchronization

/// An in-process token endpoint for what a real server will not do on demand: slow, failing, flapping, odd bodies.
final class ScriptedTokenEndpoint: TokenHTTPClient, Sendable {
    struct Call: Sendable {
        let url: String
        let form: [String: String]
    }

    /// What to answer to the n-th call (0-based) with its form.
    typealias Script = @Sendable (Int, [String: String]) async throws -> TokenHTTPResponse

    private let state = Mutex<[Call]>([])
    private let script: Mutex<Script>

    init(_ script: @escaping Script) { self.script = Mutex(script) }

    var calls: [Call] { state.withLock { $0 } }
    var count: Int { state.withLock { $0.count } }

    func answer(with script: @escaping Script) { self.script.withLock { $0 = script } }

    /// Documents served to GET (discovery), by URL; nil stops serving one. Without any, discovery is unavailable.
    private let documents = Mutex<[String: String]>([:])
    func serve(_ url: String, _ json: String?) { documents.withLock { $0[url] = json } }

    func send(method: String, url: String, body: Data?, headers: [(String, String)], publicAddressOnly: Bool) async throws -> TokenHTTPResponse {
        let (served, any) = documents.withLock { ($0[url], !$0.isEmpty) }
        guard any else { throw LatchkeyError.upstreamUnreachable("discovery is not available") }
        guard method == "GET", let served else { return TokenHTTPResponse(status: 404, contentType: nil, body: Data()) }
        return Self.json(200, served)
    }

    func postForm(url: String, form: [(String, String)], headers: [(String, String)]) async throws -> TokenHTTPResponse {
        let fields = Dictionary(form, uniquingKeysWith: { $1 })
        let index = state.withLock { calls in
            calls.append(Call(url: url, form: fields))
            return calls.count - 1
        }
        let script = self.script.withLock { $0 }
        return try await script(index, fields)
    }

    static func json(_ status: Int, _ body: String) -> TokenHTTPResponse {
        TokenHTTPResponse(status: status, contentType: "application/json", body: Data(body.utf8))
    }

    /// A successful refresh that rotates: access `a{n}`, refresh `r{n}`.
    static let rotating: Script = { n, _ in json(200, #"{"access_token":"a\#(n)","refresh_token":"r\#(n)","expires_in":3600}"#) }
}

/// A clock tests move by hand.
final class TestClock: WallClock, Sendable {
    private let current: Mutex<Date>
    init(_ start: Date = Date()) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
