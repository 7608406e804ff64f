import NIOCore

/// Reads `text/event-stream` bodies (the HTML living standard's format) into the data of their events, as chunks
/// arrive: a remote MCP server answers a POST with a stream of JSON-RPC messages.
struct ServerSentEvents {
    private var pending: [UInt8] = []
    /// The longest event kept; a larger one is an error, not a memory sink.
    let limit: Int

    init(limit: Int) { self.limit = limit }

    struct TooLarge: Error {}

    /// The data of every event completed by `chunk`.
    mutating func feed(_ chunk: ByteBuffer) throws -> [[UInt8]] {
        pending.append(contentsOf: chunk.readableBytesView)
        var events: [[UInt8]] = []
        while let end = Self.eventEnd(in: pending) {
            events.append(Self.data(of: pending[..<end.start]))
            pending.removeSubrange(..<end.next)
        }
        if pending.count > limit { throw TooLarge() }
        return events.filter { !$0.isEmpty }
    }

    /// Where the first event ends: a blank line (LF LF, CRLF CRLF or CR CR).
    static func eventEnd(in bytes: [UInt8]) -> (start: Int, next: Int)? {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 0x0A && bytes[index + 1] == 0x0A { return (index, index + 2) }
            if bytes[index] == 0x0D && bytes[index + 1] == 0x0D { return (index, index + 2) }
            if index + 3 < bytes.count, bytes[index] == 0x0D, bytes[index + 1] == 0x0A, bytes[index + 2] == 0x0D, bytes[index + 3] == 0x0A {
                return (index, index + 4)
            }
            index += 1
        }
        return nil
    }

    /// The `data:` lines of one event, joined by LF.
    static func data(of block: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        var first = true
        for rawLine in block.split(omittingEmptySubsequences: false, whereSeparator: { $0 == 0x0A || $0 == 0x0D }) {
            guard rawLine.starts(with: Array("data:".utf8)) else { continue }
            var value = rawLine.dropFirst(5)
            if value.first == 0x20 { value = value.dropFirst() }
            if !first { out.append(0x0A) }
            out.append(contentsOf: value)
            first = false
        }
        return out
    }
}
