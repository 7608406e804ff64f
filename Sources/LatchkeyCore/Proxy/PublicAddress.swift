/// Which IP addresses a provider host filled in from a credential may connect to: public unicast only.
///
/// A credential field that names a host (a Shopify shop, a Zendesk subdomain, a WooCommerce store) is written by a
/// user, not the operator; without this rule it could point the proxy, and the credential Latchkey injects, at the
/// deployment's own network (metadata services, databases, admin ports). The check runs on the address actually
/// connected to, after resolution, so a name that resolves (or re-resolves) to a private address is refused too.
public enum PublicAddress {
    /// Whether `bytes` (4 bytes of IPv4 or 16 of IPv6, network order) is a public unicast address.
    public static func isPublic(_ bytes: [UInt8]) -> Bool {
        switch bytes.count {
        case 4: return isPublicIPv4(bytes[0], bytes[1], bytes[2], bytes[3])
        case 16: return isPublicIPv6(bytes)
        default: return false
        }
    }

    private static func isPublicIPv4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> Bool {
        switch (a, b, c) {
        case (0, _, _): return false                             // "this network", 0.0.0.0
        case (10, _, _): return false                            // RFC 1918
        case (100, 64...127, _): return false                    // CGNAT, RFC 6598
        case (127, _, _): return false                           // loopback
        case (169, 254, _): return false                         // link-local (cloud metadata services)
        case (172, 16...31, _): return false                     // RFC 1918
        case (192, 0, 0), (192, 0, 2): return false              // IETF protocol assignments, TEST-NET-1
        case (192, 88, 99): return false                         // 6to4 relay anycast
        case (192, 168, _): return false                         // RFC 1918
        case (198, 18...19, _): return false                     // benchmarking
        case (198, 51, 100), (203, 0, 113): return false         // TEST-NET-2, TEST-NET-3
        case (224...255, _, _): return false                     // multicast, reserved, broadcast
        default: return true
        }
    }

    private static func isPublicIPv6(_ b: [UInt8]) -> Bool {
        let first96Zero = b[0..<10].allSatisfy { $0 == 0 }
        // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d, which covers :: and ::1): judge the IPv4 inside.
        if first96Zero && b[10] == 0xff && b[11] == 0xff { return isPublicIPv4(b[12], b[13], b[14], b[15]) }
        if first96Zero && b[10] == 0 && b[11] == 0 { return false }
        // NAT64 well-known prefix 64:ff9b::/96: the IPv4 inside decides; the local-use 64:ff9b:1::/48 never.
        if b[0] == 0x00, b[1] == 0x64, b[2] == 0xff, b[3] == 0x9b {
            if b[4...11].allSatisfy({ $0 == 0 }) { return isPublicIPv4(b[12], b[13], b[14], b[15]) }
            return !(b[4] == 0 && b[5] == 1)
        }
        // 6to4 2002::/16 carries an IPv4 address in its next 32 bits.
        if b[0] == 0x20, b[1] == 0x02 { return isPublicIPv4(b[2], b[3], b[4], b[5]) }
        if b[0] == 0x01, b[1] == 0x00, b[2...7].allSatisfy({ $0 == 0 }) { return false }    // discard-only 100::/64
        if b[0] == 0x20, b[1] == 0x01 {
            if b[2] == 0x0d, b[3] == 0xb8 { return false }                                // documentation 2001:db8::/32
            if b[2] == 0x00, b[3] == 0x00 { return false }                                // Teredo 2001::/32
            if b[2] == 0x00, (0x10...0x2f).contains(b[3]) { return false }                // ORCHID(v2)
        }
        if b[0] & 0xfe == 0xfc { return false }                                           // unique local fc00::/7
        if b[0] == 0xfe, b[1] & 0xc0 == 0x80 { return false }                             // link-local fe80::/10
        if b[0] == 0xfe, b[1] & 0xc0 == 0xc0 { return false }                             // site-local fec0::/10
        if b[0] == 0xff { return false }                                                  // multicast
        return true
    }
}
