import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// One `UpstreamPool` per event loop, made on first use; the TLS context is made once, on first https call.
final class UpstreamPools: Sendable {
    struct Settings: Sendable {
        var connectTimeout: TimeAmount
        /// The longest a provider may stay silent while a call waits for its response.
        var readTimeout: TimeAmount
        var idleTimeout: TimeAmount = .seconds(60)
        var maxIdlePerOrigin = 128
        /// `ServerConfiguration.allowPrivateUpstreams`.
        var allowPrivateUpstreams = false
        /// `UpstreamTLS`: the system's trust roots and the operator's (`ServerConfiguration.upstreamTrustRoots`).
        var tls = UpstreamTLS.configuration(extraRoots: [])
    }

    let settings: Settings
    private let pools = NIOLockedValueBox<[ObjectIdentifier: NIOLoopBound<UpstreamPool>]>([:])
    private let tls = NIOLockedValueBox<NIOSSLContext?>(nil)

    init(settings: Settings) { self.settings = settings }

    /// The pool of `eventLoop`; call it on that loop.
    func pool(for eventLoop: any EventLoop) -> UpstreamPool {
        pools.withLockedValue { pools in
            if let existing = pools[ObjectIdentifier(eventLoop)] { return existing.value }
            let created = UpstreamPool(eventLoop: eventLoop, settings: settings, tlsContext: { [self] in try tlsContext() })
            pools[ObjectIdentifier(eventLoop)] = NIOLoopBound(created, eventLoop: eventLoop)
            return created
        }
    }

    /// Closes every idle connection (at shutdown); calls in flight finish on theirs.
    func closeIdle() async {
        let all = pools.withLockedValue { Array($0.values) }
        for bound in all { try? await bound.eventLoop.submit { bound.value.closeIdle() }.get() }
    }

    /// The client TLS configuration AsyncHTTPClient uses too (`UpstreamTLS`): full verification, SNI.
    private func tlsContext() throws -> NIOSSLContext {
        try tls.withLockedValue { context in
            if let context { return context }
            let created = try NIOSSLContext(configuration: settings.tls)
            context = created
            return created
        }
    }
}

extension UpstreamPools.Settings {
    /// The deployment's timeouts, private-upstream switch and trust roots.
    init(_ configuration: ServerConfiguration) {
        self.init(connectTimeout: .seconds(Int64(configuration.upstreamConnectTimeout)), readTimeout: .seconds(Int64(configuration.upstreamTimeout)),
                  allowPrivateUpstreams: configuration.allowPrivateUpstreams, tls: UpstreamTLS.configuration(extraRoots: configuration.upstreamTrustRoots))
    }
}
