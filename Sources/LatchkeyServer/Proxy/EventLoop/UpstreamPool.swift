import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Keep-alive connections to providers for the calls served on one event loop, used only on that loop: no locks,
/// and a call, its agent's connection and its provider connection never change threads.
final class UpstreamPool {
    let eventLoop: any EventLoop
    /// Flushes of this loop's connections (to providers and to agents), gathered per batch of I/O.
    let flusher: TickFlusher
    private let settings: UpstreamPools.Settings
    private let tlsContext: () throws -> NIOSSLContext
    /// Idle connections per origin, most recently used last.
    private var idle: [UpstreamOrigin: [UpstreamConnection]] = [:]
    private var sweeping = false
    /// Connections a call was sent on, checked for the read timeout once a second (finished ones drop out then).
    private var inFlight: [ObjectIdentifier: UpstreamConnection] = [:]
    private var ticking = false
    /// Origins already parsed (a deployment calls few).
    private var origins: [String: UpstreamOrigin] = [:]

    init(eventLoop: any EventLoop, settings: UpstreamPools.Settings, tlsContext: @escaping () throws -> NIOSSLContext) {
        self.eventLoop = eventLoop
        self.flusher = TickFlusher(eventLoop: eventLoop)
        self.settings = settings
        self.tlsContext = tlsContext
    }

    /// `origin` parsed, from a small memo; nil when it is not an http(s) origin.
    func origin(_ text: String) -> UpstreamOrigin? {
        if let known = origins[text] { return known }
        guard let parsed = UpstreamOrigin(text) else { return nil }
        if origins.count >= 1024 { origins.removeAll() }
        origins[text] = parsed
        return parsed
    }

    /// An open connection to `origin`: an idle one when there is one and `fresh` is false (`reused`), else a new one.
    /// With `publicAddressOnly` (a host from a credential) a new connection goes only to a vetted public address;
    /// pooled ones to such an origin were vetted when they were opened.
    func acquire(_ origin: UpstreamOrigin, fresh: Bool, publicAddressOnly: Bool,
                 _ done: @escaping (Result<(connection: UpstreamConnection, reused: Bool), any Error>) -> Void) {
        let mustVet = publicAddressOnly && !settings.allowPrivateUpstreams
        if !fresh {
            while let connection = idle[origin]?.popLast() {
                if connection.isReusable, connection.vetted || !mustVet { done(.success((connection, true))); return }
                connection.abandon()
            }
        }
        guard mustVet else {
            connect(origin, to: nil) { done($0.map { ($0, false) }) }
            return
        }
        UpstreamAddressGuard.publicAddresses(host: origin.host, port: origin.port, on: eventLoop).assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let addresses):
                // The first vetted address, as the resolver ordered them (RFC 6724), and never a fresh lookup.
                connect(origin, to: addresses[0]) { done($0.map { ($0, false) }) }
            case .failure(let error):
                done(.failure(error))
            }
        }
    }

    /// Takes `connection` back after a complete response; one that cannot carry another request is closed.
    func release(_ connection: UpstreamConnection) {
        guard connection.isReusable, idle[connection.origin, default: []].count < settings.maxIdlePerOrigin else {
            connection.abandon()
            return
        }
        connection.idleSince = .now()
        idle[connection.origin, default: []].append(connection)
        startSweeping()
    }

    /// Closes the idle connections (at shutdown).
    func closeIdle() {
        for connections in idle.values { connections.forEach { $0.abandon() } }
        idle.removeAll()
    }

    /// A new connection, bound to this loop; TLS (with the system's trust roots and SNI) for https origins. To
    /// `address` when given (a vetted one; SNI and `Host` still name the origin's host), else to the origin's host.
    private func connect(_ origin: UpstreamOrigin, to address: SocketAddress?, _ done: @escaping (Result<UpstreamConnection, any Error>) -> Void) {
        let connection = UpstreamConnection(origin: origin)
        connection.vetted = address != nil
        let sslContext: NIOSSLContext?
        do { sslContext = origin.tls ? try tlsContext() : nil } catch { done(.failure(error)); return }
        let serverName = Self.isIPAddress(origin.host) ? nil : origin.host
        let handler = NIOLoopBound(connection, eventLoop: eventLoop)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(settings.connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let sslContext { try pipeline.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: serverName)) }
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(handler.value)
                }
            }
        let connected = address.map { bootstrap.connect(to: $0) } ?? bootstrap.connect(host: origin.host, port: origin.port)
        connected
            .assumeIsolated()
            .whenComplete { result in done(result.map { _ in connection }) }
    }

    /// A call was just sent on `connection`: watch it for the read timeout.
    func watch(_ connection: UpstreamConnection) {
        inFlight[ObjectIdentifier(connection)] = connection
        guard !ticking else { return }
        ticking = true
        eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { [self] in checkInFlight() }
    }

    private func checkInFlight() {
        let now = NIODeadline.now()
        for (id, connection) in inFlight {
            connection.checkReadTimeout(now: now, limit: settings.readTimeout)
            if !connection.isBusy { inFlight[id] = nil }
        }
        if inFlight.isEmpty {
            ticking = false
        } else {
            eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { [self] in checkInFlight() }
        }
    }

    /// Closes connections idle for longer than the idle timeout, every few seconds while any are idle.
    private func startSweeping() {
        guard !sweeping else { return }
        sweeping = true
        eventLoop.assumeIsolated().scheduleTask(in: .seconds(5)) { [self] in
            sweeping = false
            let cutoff = NIODeadline.now() - settings.idleTimeout
            for (origin, connections) in idle {
                var kept: [UpstreamConnection] = []
                for connection in connections {
                    if connection.isReusable, connection.idleSince > cutoff { kept.append(connection) } else { connection.abandon() }
                }
                idle[origin] = kept.isEmpty ? nil : kept
            }
            if !idle.isEmpty { startSweeping() }
        }
    }

    static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || host.utf8.allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".") }
    }
}
