import Foundation
import LatchkeyCore
import NIOCore
import NIOHTTP1

/// One request of an OAuth client (a token request, a metadata read, a registration) on a pooled provider connection
/// of one event loop, its response gathered in memory. Used only on that loop.
///
/// A request is never sent twice: a token request spends a refresh token, and a second copy after a failure could
/// spend its successor too. A failure before the response is complete fails the request, which the refresher counts
/// as transient.
final class TokenExchange: UpstreamResponseDelegate {
    /// The most of a response body kept; a longer one fails the request.
    static let bodyLimit = 1024 * 1024

    private let pool: UpstreamPool
    private let promise: EventLoopPromise<TokenHTTPResponse>
    private var connection: UpstreamConnection?
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?
    private var deadline: Scheduled<Void>?
    private var finished = false

    init(pool: UpstreamPool, promise: EventLoopPromise<TokenHTTPResponse>) {
        self.pool = pool
        self.promise = promise
    }

    /// Sends `head` and `body` to `origin` and fails the request when no complete response came within `timeout`.
    func start(_ origin: UpstreamOrigin, head request: HTTPRequestHead, body requestBody: ByteBuffer?, publicAddressOnly: Bool, timeout: TimeAmount) {
        // The scheduled task holds the exchange until it finishes (a connection holds its delegate weakly).
        deadline = pool.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            connection?.abandon()
            connection = nil
            finish(.failure(LatchkeyError.upstreamTimeout))
        }
        pool.acquire(origin, fresh: false, publicAddressOnly: publicAddressOnly) { [self] result in
            switch result {
            case .success(let (connection, _)):
                guard !finished else { pool.release(connection); return }
                self.connection = connection
                connection.send(request, body: requestBody, to: self, flusher: pool.flusher)
                pool.watch(connection)
            case .failure(let error):
                finish(.failure(error))
            }
        }
    }

    func upstreamHead(_ head: HTTPResponseHead) {
        guard ProxyRules.isFinalAnswer(status: Int(head.status.code)) else {
            connection?.abandon()
            connection = nil
            finish(.failure(LatchkeyError.upstreamUnreachable("an interim response")))
            return
        }
        self.head = head
    }

    func upstreamBody(_ part: ByteBuffer) {
        var part = part
        guard (body?.readableBytes ?? 0) + part.readableBytes <= Self.bodyLimit else {
            connection?.abandon()
            connection = nil
            finish(.failure(LatchkeyError.upstreamUnreachable("a response over 1 MiB")))
            return
        }
        if body == nil { body = part } else { body?.writeBuffer(&part) }
    }

    func upstreamReadComplete() {}

    func upstreamEnd() {
        if let connection {
            self.connection = nil
            pool.release(connection)
        }
        guard let head else { finish(.failure(LatchkeyError.upstreamUnreachable("no response head"))); return }
        let bytes = body.map { Data($0.readableBytesView) } ?? Data()
        finish(.success(TokenHTTPResponse(status: Int(head.status.code), contentType: head.headers.first(name: "content-type"), body: bytes,
                                          wwwAuthenticate: head.headers.first(name: "www-authenticate"))))
    }

    func upstreamFailed(_ error: (any Error)?) {
        connection = nil
        finish(.failure(error ?? LatchkeyError.upstreamUnreachable("the connection closed early")))
    }

    func upstreamTimedOut() {
        connection = nil
        finish(.failure(LatchkeyError.upstreamTimeout))
    }

    private func finish(_ result: Result<TokenHTTPResponse, any Error>) {
        guard !finished else { return }
        finished = true
        deadline?.cancel()
        deadline = nil
        promise.completeWith(result)
    }
}
