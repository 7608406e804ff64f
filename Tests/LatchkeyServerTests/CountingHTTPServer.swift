import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A keep-alive HTTP/1.1 server on loopback that counts the connections it accepts and answers every request 200
/// with `method target host=…`, so a test can tell whether a client reused a connection.
final class CountingHTTPServer: Sendable {
    private let channel: any Channel
    private let counter: Counter

    var port: Int { channel.localAddress?.port ?? 0 }
    var connections: Int { counter.accepted.load(ordering: .relaxed) }

    private init(channel: any Channel, counter: Counter) {
        self.channel = channel
        self.counter = counter
    }

    static func start() async throws -> CountingHTTPServer {
        let counter = Counter()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                counter.accepted.add(1, ordering: .relaxed)
                return child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    try child.pipeline.syncOperations.addHandler(Answer())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return CountingHTTPServer(channel: channel, counter: counter)
    }

    func stop() async { try? await channel.close() }

    /// Shared by the child initializer and the server object.
    private final class Counter: Sendable {
        let accepted = Atomic<Int>(0)
    }

    private final class Answer: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        private var line = ""

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                line = "\(head.method.rawValue) \(head.uri) host=\(head.headers["host"].joined(separator: ","))"
            case .body:
                break
            case .end:
                let body = ByteBuffer(string: line)
                let head = HTTPResponseHead(version: .http1_1, status: .ok,
                                            headers: ["Content-Type": "text/plain", "Content-Length": String(body.readableBytes)])
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
