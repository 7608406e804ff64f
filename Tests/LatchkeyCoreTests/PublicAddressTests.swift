import Foundation
import Testing
@testable import LatchkeyCore

@Suite struct PublicAddressTests {
    /// The bytes of an IPv4 or IPv6 address in text form, as the resolver hands them over.
    static func bytes(_ text: String) -> [UInt8] {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
        Issue.record("not an address: \(text)")
        return []
    }

    static let refused = [
        "127.0.0.1", "127.255.255.254", "0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255",
        "192.168.1.1", "169.254.169.254", "100.64.0.1", "100.127.255.255", "192.0.0.8", "192.0.2.1", "198.18.0.1",
        "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
        "::", "::1", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254", "::127.0.0.1", "fc00::1", "fd12:3456::1",
        "fe80::1", "febf::1", "fec0::1", "ff02::1", "2001:db8::1", "2001::1", "64:ff9b::7f00:1", "64:ff9b:1::1",
        "2002:7f00:1::1", "2002:c0a8:101::1", "100::1",
    ]

    static let allowed = [
        "1.1.1.1", "8.8.8.8", "23.192.228.80", "100.63.255.255", "100.128.0.1", "172.15.255.255", "172.32.0.1",
        "192.169.0.1", "169.253.1.1", "198.20.0.1", "223.255.255.254",
        "2606:4700:4700::1111", "2a00:1450:4001:80e::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
    ]

    @Test(arguments: refused)
    func aNonPublicAddressIsRefused(_ text: String) {
        #expect(!PublicAddress.isPublic(Self.bytes(text)))
    }

    @Test(arguments: allowed)
    func aPublicAddressIsAllowed(_ text: String) {
        #expect(PublicAddress.isPublic(Self.bytes(text)))
    }

    @Test func somethingThatIsNotAnAddressIsRefused() {
        #expect(!PublicAddress.isPublic([]))
        #expect(!PublicAddress.isPublic([1, 1, 1]))
    }

    @Test func aHostFromValuesIsRecognisedInTheAuthorityOnly() {
        #expect(URLTemplateHost.isFilledFromValues("https://{{shop}}.myshopify.com/admin/api"))
        #expect(URLTemplateHost.isFilledFromValues("https://api.{{site}}"))
        #expect(URLTemplateHost.isFilledFromValues("https://{{domain}}/api/v1"))
        #expect(URLTemplateHost.isFilledFromValues("{{instance_url}}"))
        #expect(URLTemplateHost.isFilledFromValues("https://example.com:{{port}}/x"))
        #expect(!URLTemplateHost.isFilledFromValues("https://api.bigcommerce.com/stores/{{store_hash}}"))
        #expect(!URLTemplateHost.isFilledFromValues("https://quickbooks.api.intuit.com/v3/company/{{realm_id}}"))
        #expect(!URLTemplateHost.isFilledFromValues("http://127.0.0.1:9000/base"))
    }
}
