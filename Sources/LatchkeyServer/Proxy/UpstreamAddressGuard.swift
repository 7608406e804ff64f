import LatchkeyCore
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Resolves a provider host that came from a credential and vets every address it resolves to, so that the proxy
/// then connects to exactly an address it checked: no second lookup that DNS rebinding could answer differently.
enum UpstreamAddressGuard {
    /// Why a host was not connected to; `ProxyForwarder.classify` turns it into the agent's error.
    enum Refusal: Error, Equatable {
        /// The host resolves to a non-public address.
        case notPublic
        /// The host does not resolve.
        case unresolvable
    }

    /// The addresses `host` resolves to, in the resolver's preferred order, when every one of them is public
    /// (`PublicAddress`); a name with any non-public address is refused outright, since whoever controls its DNS
    /// could choose which one is tried. Blocking (getaddrinfo): call it off the event loops.
    static func publicAddresses(host: String, port: Int) throws(Refusal) -> [SocketAddress] {
        let addresses = try resolve(host: host, port: port)
        guard !addresses.isEmpty else { throw .unresolvable }
        guard addresses.allSatisfy({ PublicAddress.isPublic(bytes(of: $0)) }) else { throw .notPublic }
        return addresses
    }

    /// `publicAddresses` on NIO's blocking-I/O thread pool.
    static func publicAddresses(host: String, port: Int, on eventLoop: any EventLoop) -> EventLoopFuture<[SocketAddress]> {
        NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) { try publicAddresses(host: host, port: port) }
    }

    /// The raw address bytes (network order): 4 for IPv4, 16 for IPv6, none for anything else.
    static func bytes(of address: SocketAddress) -> [UInt8] {
        switch address {
        case .v4(let v4): withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
        case .v6(let v6): withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        default: []
        }
    }

    private static func resolve(host: String, port: Int) throws(Refusal) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { throw .unresolvable }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let raw = info.pointee.ai_addr {
                switch info.pointee.ai_family {
                case AF_INET:
                    raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { addresses.append(SocketAddress($0.pointee, host: host)) }
                case AF_INET6:
                    raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { addresses.append(SocketAddress($0.pointee, host: host)) }
                default:
                    break
                }
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }
}
