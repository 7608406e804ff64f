import NIOCore
import NIOHTTP1

/// What an upstream connection reports to the call that is using it, on the connection's event loop.
protocol UpstreamResponseDelegate: AnyObject {
    func upstreamHead(_ head: HTTPResponseHead)
    func upstreamBody(_ body: ByteBuffer)
    /// The end of a batch of reads: time to flush what was relayed.
    func upstreamReadComplete()
    func upstreamEnd()
    /// The connection closed or failed before the response ended.
    func upstreamFailed(_ error: (any Error)?)
    /// The provider stayed silent for longer than the read timeout; the connection is closed.
    func upstreamTimedOut()
}
