import NIOCore
import Testing
@testable import LatchkeyServer

@Suite struct TrustedProxiesTests {
    let peer = try? SocketAddress(ipAddress: "10.0.0.5", port: 4000)

    @Test func forwardedForIsIgnoredFromAPeerThatIsNotListed() throws {
        let proxies = try TrustedProxies.parse("192.168.0.0/16").get()
        #expect(proxies.clientAddress(peer: peer, forwardedFor: ["203.0.113.9"]) == "10.0.0.5")
        #expect(TrustedProxies.none.clientAddress(peer: peer, forwardedFor: ["127.0.0.1"]) == "10.0.0.5")
    }

    @Test func theRightmostHopThatIsNoTrustedProxyIsTheClient() throws {
        let proxies = try TrustedProxies.parse("10.0.0.0/8, 2001:db8::/32").get()
        // What the client wrote on the left is not believed; the trusted hops on the right are skipped.
        #expect(proxies.clientAddress(peer: peer, forwardedFor: ["6.6.6.6, 203.0.113.9", "10.1.2.3"]) == "203.0.113.9")
        #expect(proxies.clientAddress(peer: peer, forwardedFor: ["2001:db8::1, 10.9.9.9"]) == "2001:db8::1")
        #expect(proxies.clientAddress(peer: peer, forwardedFor: ["not an address"]) == "invalid-forwarded-for")
        #expect(proxies.clientAddress(peer: peer, forwardedFor: []) == "10.0.0.5")
    }

    @Test func blocksMatchByPrefixAndIPv4MappedAddressesAsIPv4() throws {
        let block = try #require(IPBlock("172.16.0.0/12"))
        #expect(block.contains(try #require(IPBlock.parse("172.31.255.255"))))
        #expect(!block.contains(try #require(IPBlock.parse("172.32.0.1"))))
        #expect(block.contains(try #require(IPBlock.parse("::ffff:172.20.1.1"))))
        #expect(IPBlock("10.0.0.0/33") == nil && IPBlock("10.0.0/8") == nil && IPBlock("::1/129") == nil && IPBlock("") == nil)
        #expect(TrustedProxies.isLoopback("127.8.9.10") && TrustedProxies.isLoopback("::1") && !TrustedProxies.isLoopback("10.0.0.1"))
    }

    @Test func aListWithAnInvalidEntryNamesIt() {
        guard case .failure(let error) = TrustedProxies.parse("10.0.0.1, proxy.example") else { Issue.record("accepted"); return }
        #expect(error.entry == "proxy.example")
    }
}
