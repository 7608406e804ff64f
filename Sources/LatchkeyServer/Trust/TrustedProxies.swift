import NIOCore

/// The proxies whose `X-Forwarded-For` is believed (`LATCHKEY_TRUSTED_PROXIES`, default none), and the client
/// address a request is taken to come from.
///
/// Without this, any client could name any address in `X-Forwarded-For`: evade the per-client sign-in limits, put
/// someone else's address into the audit log, or reach what is open to loopback only. So the header is read only
/// when the connection comes from a listed proxy, and then from the right: each listed hop is skipped, and the
/// first address not listed is the client (what a client wrote to the left of that is ignored).
public struct TrustedProxies: Sendable {
    let blocks: [IPBlock]

    /// No proxy trusted.
    public static let none = TrustedProxies(blocks: [])

    /// Parses a comma-separated list of addresses and CIDR blocks; a failure names the entry that is neither.
    public static func parse(_ text: String) -> Result<TrustedProxies, InvalidEntry> {
        var blocks: [IPBlock] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            guard let block = IPBlock(entry) else { return .failure(InvalidEntry(entry: String(entry.prefix(64)))) }
            blocks.append(block)
        }
        return .success(TrustedProxies(blocks: blocks))
    }

    /// An entry of the list that is not an address or CIDR block.
    public struct InvalidEntry: Error {
        /// The entry, shortened.
        public let entry: String
    }

    /// Whether `bytes` is a trusted proxy.
    func trusts(_ bytes: [UInt8]) -> Bool { blocks.contains { $0.contains(bytes) } }

    /// The client's address: the peer's, or (when the peer is trusted) the rightmost untrusted `X-Forwarded-For` hop.
    /// Capped in length, since it is stored (audit, throttling) and shown.
    func clientAddress(peer: SocketAddress?, forwardedFor: [String]) -> String {
        guard let peerText = peer?.ipAddress else { return "unknown" }
        guard let peerBytes = IPBlock.parse(peerText), trusts(peerBytes), !forwardedFor.isEmpty else { return Self.display(peerText) }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard let bytes = IPBlock.parse(hop) else { return "invalid-forwarded-for" }
            if !trusts(bytes) { return IPBlock.format(IPBlock.unmapped(bytes)) }
        }
        // Every hop is a trusted proxy: the leftmost is as close to the client as we can tell.
        return hops.first.map(Self.display) ?? Self.display(peerText)
    }

    /// Whether a client address (as `clientAddress` returns it) is on this machine's loopback.
    static func isLoopback(_ address: String) -> Bool {
        guard let bytes = IPBlock.parse(address) else { return false }
        return loopback.contains { $0.contains(bytes) }
    }

    static let loopback = ["127.0.0.0/8", "::1"].compactMap(IPBlock.init)

    static func display(_ address: String) -> String {
        guard let bytes = IPBlock.parse(address) else { return "unknown" }
        return IPBlock.format(IPBlock.unmapped(bytes))
    }
}
