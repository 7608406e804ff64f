import Foundation
import LatchkeyCore
import NIOCore
import NIOHTTP1

/// The outbound HTTP of Latchkey's OAuth client (token requests, revocations, discovery, registration) on the
/// proxy's own per-event-loop keep-alive connections (`UpstreamPools`): the same TLS trust, address vetting and
/// connect timeout as proxied calls, without a general-purpose client's machinery per request. Redirects are never
/// followed, so no credential is replayed to another host.
final class PooledTokenClient: TokenHTTPClient, Sendable {
    private let pools: UpstreamPools
    private let group: any EventLoopGroup
    /// The longest a request may take: far below the refresh lease, so a lease holder's request is over before
    /// anyone else may take the lease (see `Refresher.leaseDuration`).
    static let timeout: TimeAmount = .seconds(20)

    init(pools: UpstreamPools, group: any EventLoopGroup) {
        self.pools = pools
        self.group = group
    }

    func postForm(url: String, form: [(String, String)], headers: [(String, String)]) async throws -> TokenHTTPResponse {
        try await postForm(url: url, form: form, headers: headers, publicAddressOnly: false)
    }

    func postForm(url: String, form: [(String, String)], headers: [(String, String)], publicAddressOnly: Bool) async throws -> TokenHTTPResponse {
        let body = form.map { TokenRequester.formEncode($0.0) + "=" + TokenRequester.formEncode($0.1) }.joined(separator: "&")
        let sent = headers.filter { !HeaderRules.sameName($0.0, "content-type") } + [("Content-Type", "application/x-www-form-urlencoded")]
        do {
            return try await exchange(method: .POST, url: url, body: ByteBuffer(string: body), headers: sent, publicAddressOnly: publicAddressOnly)
        } catch UpstreamAddressGuard.Refusal.notPublic {
            throw LatchkeyError.upstreamForbidden("the token endpoint")
        }
    }

    func send(method: String, url: String, body: Data?, headers: [(String, String)], publicAddressOnly: Bool) async throws -> TokenHTTPResponse {
        do {
            return try await exchange(method: HTTPMethod(rawValue: method), url: url, body: body.map { ByteBuffer(bytes: $0) }, headers: headers,
                                      publicAddressOnly: publicAddressOnly)
        } catch UpstreamAddressGuard.Refusal.notPublic {
            throw LatchkeyError.upstreamForbidden("the server")
        }
    }

    private func exchange(method: HTTPMethod, url: String, body: ByteBuffer?, headers: [(String, String)], publicAddressOnly: Bool) async throws -> TokenHTTPResponse {
        guard let (originText, target) = Self.split(url) else { throw LatchkeyError.upstreamUnreachable("a URL that is not http(s)") }
        // NIO writes header fields as given: a line break in one would add headers (or a request) of its own.
        guard headers.allSatisfy({ Self.isFieldText($0.0) && Self.isFieldText($0.1) }) else {
            throw LatchkeyError.upstreamUnreachable("a header with a control character")
        }
        let loop = group.next()
        let promise = loop.makePromise(of: TokenHTTPResponse.self)
        let pools = pools
        loop.execute {
            let pool = pools.pool(for: loop)
            guard let origin = pool.origin(originText) else {
                promise.fail(LatchkeyError.upstreamUnreachable("a URL that is not http(s)"))
                return
            }
            var fields = HTTPHeaders()
            fields.add(name: "Host", value: origin.authority)
            for (name, value) in headers where !HeaderRules.sameName(name, "host") && !HeaderRules.sameName(name, "content-length") {
                fields.add(name: name, value: value)
            }
            if let body { fields.add(name: "Content-Length", value: String(body.readableBytes)) }
            let head = HTTPRequestHead(version: .http1_1, method: method, uri: target, headers: fields)
            TokenExchange(pool: pool, promise: promise).start(origin, head: head, body: body, publicAddressOnly: publicAddressOnly, timeout: Self.timeout)
        }
        return try await promise.futureResult.get()
    }

    /// Whether `text` may stand in a header line: no control characters but tab.
    static func isFieldText(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7f) }
    }

    /// `url` as its origin (`scheme://authority`) and its request target (path and query, "/" when it has neither;
    /// the fragment dropped); nil unless it is an http(s) URL whose target is printable ASCII without spaces, so
    /// nothing a discovered document names can break the request line.
    static func split(_ url: String) -> (origin: String, target: String)? {
        let bytes = Array(url.utf8)
        let schemeEnd: Int
        if url.hasPrefix("https://") { schemeEnd = 8 } else if url.hasPrefix("http://") { schemeEnd = 7 } else { return nil }
        let targetStart = bytes[schemeEnd...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.count
        let fragment = bytes[targetStart...].firstIndex(of: UInt8(ascii: "#")) ?? bytes.count
        let rawTarget = bytes[targetStart..<fragment]
        guard rawTarget.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else { return nil }
        var target = String(decoding: rawTarget, as: UTF8.self)
        if !target.hasPrefix("/") { target = "/" + target }
        return (String(decoding: bytes[..<targetStart], as: UTF8.self), target)
    }
}
