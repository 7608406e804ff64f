import AsyncHTTPClient
import NIOPosix
import Synchronization

/// AsyncHTTPClient instances that connect one host only to one vetted address (its `dnsOverride`), while SNI,
/// certificate verification and `Host` still use the host's name. AsyncHTTPClient resolves names itself and offers
/// no hook on the address it connects to, so a host from a credential is resolved and checked by
/// `UpstreamAddressGuard` first and then reached through the client pinned to that address: no second lookup that
/// DNS rebinding could answer differently.
final class PinnedUpstreamClients: Sendable {
    private let configuration: HTTPClient.Configuration
    /// Clients by "host address", oldest first in `order`.
    private let clients = Mutex<(byKey: [String: HTTPClient], order: [String])>(([:], []))
    /// At most this many pinned clients stay open; the oldest is closed to make room (a call still running on it
    /// then fails as `upstream_unreachable`; this path serves only streamed bodies of credential-hosted providers).
    static let capacity = 64

    /// Clients built from `configuration`.
    init(configuration: HTTPClient.Configuration) { self.configuration = configuration }

    /// The client that sends requests for `host` to `address` (an IP address as text).
    func client(host: String, address: String) -> HTTPClient {
        let key = host + " " + address
        let (client, evicted) = clients.withLock { state -> (HTTPClient, HTTPClient?) in
            if let existing = state.byKey[key] { return (existing, nil) }
            var pinned = configuration
            pinned.dnsOverride = [host: address]
            let created = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: pinned)
            state.byKey[key] = created
            state.order.append(key)
            guard state.order.count > Self.capacity else { return (created, nil) }
            let oldest = state.order.removeFirst()
            return (created, state.byKey.removeValue(forKey: oldest))
        }
        if let evicted { Task { try? await evicted.shutdown() } }
        return client
    }

    /// Closes every pinned client.
    func shutdown() async {
        let all = clients.withLock { state in
            defer { state = ([:], []) }
            return Array(state.byKey.values)
        }
        for client in all { try? await client.shutdown() }
    }
}
