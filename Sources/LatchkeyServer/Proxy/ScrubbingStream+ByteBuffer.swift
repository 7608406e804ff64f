import LatchkeyCore
import NIOCore

/// The scrubbing stream over NIO buffers, as both proxy paths and MCP tool results relay them.
extension ScrubbingStream {
    /// The bytes to relay now for `chunk`: the chunk itself when nothing is found (no copy), nil when all of it is
    /// held back.
    mutating func scrub(_ chunk: ByteBuffer) -> ByteBuffer? {
        switch chunk.withUnsafeReadableBytes({ next($0) }) {
        case .unchanged: return chunk
        case .prefix(let count): return count > 0 ? chunk.getSlice(at: chunk.readerIndex, length: count) : nil
        case .replaced(let bytes): return bytes.isEmpty ? nil : ByteBuffer(bytes: bytes)
        }
    }

    /// What was held back, at the end of the body; nil when nothing was.
    mutating func finishBuffer() -> ByteBuffer? {
        let tail = finish()
        return tail.isEmpty ? nil : ByteBuffer(bytes: tail)
    }

    /// A whole body, scrubbed at once.
    static func scrubbed(_ body: ByteBuffer, by scrubber: SecretScrubber) -> ByteBuffer {
        guard !scrubber.isEmpty else { return body }
        var stream = ScrubbingStream(scrubber)
        var out = stream.scrub(body) ?? ByteBuffer()
        if var tail = stream.finishBuffer() { out.writeBuffer(&tail) }
        return out
    }
}
