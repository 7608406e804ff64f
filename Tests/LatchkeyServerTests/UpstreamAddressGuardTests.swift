import AsyncHTTPClient
import HummingbirdTesting
import LatchkeyCore
import NIOPosix
import Testing
@testable import LatchkeyServer

@Suite struct UpstreamAddressGuardTests {
    @Test(arguments: ["localhost", "127.0.0.1", "127.1", "2130706433", "0", "::1", "10.1.2.3", "169.254.169.254"])
    func aHostOnThisMachineOrAPrivateNetworkIsRefused(_ host: String) {
        #expect(throws: UpstreamAddressGuard.Refusal.notPublic) { try UpstreamAddressGuard.publicAddresses(host: host, port: 443) }
    }

    @Test func aPublicAddressLiteralIsAllowedAsIs() throws {
        let addresses = try UpstreamAddressGuard.publicAddresses(host: "8.8.8.8", port: 443)
        #expect(addresses.map(\.ipAddress) == ["8.8.8.8"])
        #expect(addresses.first?.port == 443)
    }

    @Test func aNameThatDoesNotResolveIsUnreachableNotForbidden() {
        #expect(throws: UpstreamAddressGuard.Refusal.unresolvable) { try UpstreamAddressGuard.publicAddresses(host: "no-such-host.invalid", port: 443) }
    }

    @Test func aTokenRequestToACredentialHostOnThisMachineIsRefusedBeforeConnecting() async throws {
        let client = Self.tokenClient(allowPrivate: false)
        await #expect(throws: LatchkeyError.upstreamForbidden("the token endpoint")) {
            _ = try await client.postForm(url: "http://localhost:9/token", form: [("grant_type", "refresh_token")], headers: [], publicAddressOnly: true)
        }
    }

    @Test func privateUpstreamsAllowedSkipsTheCheck() async throws {
        let client = Self.tokenClient(allowPrivate: true)
        // Nothing listens on port 9 here: the request is attempted and fails as a transport error, not a refusal.
        do {
            _ = try await client.postForm(url: "http://127.0.0.1:9/token", form: [], headers: [], publicAddressOnly: true)
            Issue.record("nothing should answer on port 9")
        } catch {
            #expect(error as? LatchkeyError != .upstreamForbidden("the token endpoint"))
            #expect(!(error is UpstreamAddressGuard.Refusal))
        }
    }

    /// The pinned client must connect to the vetted address, not resolve the name again: here the name cannot resolve
    /// at all, so an answer proves the connection went to the pinned address.
    @Test func aPinnedClientConnectsToItsAddressNotToAFreshLookup() async throws {
        let recorder = Recorder()
        try await Upstream.application(recorder: recorder).test(.live) { upstream in
            let port = try #require(upstream.port)
            var configuration = HTTPClient.Configuration()
            configuration.redirectConfiguration = .disallow
            let pinned = PinnedUpstreamClients(configuration: configuration)
            do {
                let request = HTTPClientRequest(url: "http://pinned-upstream.invalid:\(port)/pinned")
                let response = try await pinned.client(host: "pinned-upstream.invalid", address: "127.0.0.1").execute(request, timeout: .seconds(10))
                #expect(response.status.code == 200)
                let body = try await response.body.collect(upTo: 1024)
                #expect(String(buffer: body) == "upstream saw GET /pinned")
            } catch {
                Issue.record("the pinned client did not reach its address: \(error)")
            }
            await pinned.shutdown()
        }
    }

    static func tokenClient(allowPrivate: Bool) -> PooledTokenClient {
        PooledTokenClient(pools: UpstreamPools(settings: .init(connectTimeout: .seconds(2), readTimeout: .seconds(2), allowPrivateUpstreams: allowPrivate)),
                          group: MultiThreadedEventLoopGroup.singleton)
    }
}
