import Foundation
import NIOSSL
import Testing
@testable import LatchkeyServer

/// `LATCHKEY_CA_FILE`: extra trust roots for providers, read and checked at start, added to (never replacing) the
/// system's, with verification always on.
@Suite struct UpstreamTLSTests {
    /// A throwaway CA certificate (public part only).
    static let caPEM = """
        -----BEGIN CERTIFICATE-----
        MIIBmDCCAT2gAwIBAgIUdFYZ1GHxnUUr+A+pOK21qWWda0AwCgYIKoZIzj0EAwIw
        IDEeMBwGA1UEAwwVTGF0Y2hrZXkgdW5pdC10ZXN0IENBMCAXDTI2MTIwMzAzNDM0
        NloYDzIxMjYxMTA5MDM0MzQ2WjAgMR4wHAYDVQQDDBVMYXRjaGtleSB1bml0LXRl
        c3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASWvLDnM7y9ZzilbdBxm0uk
        hxyO/d5MA93HRqXE4VD+7LYyISkaVnZQWU0AoPaaBVNP5N1B98Ta739KZBXQ3Vnp
        o1MwUTAdBgNVHQ4EFgQUhiF2tiEcB+vfcBIHP/84yewkCIgwHwYDVR0jBBgwFoAU
        hiF2tiEcB+vfcBIHP/84yewkCIgwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD
        AgNJADBGAiEAseQjk74/1Ghut2Q8wAUH56kIcjO93p4Qf3kNMBzBjsACIQCyW7Cu
        F+NeCA0hX4e/NzGfIjwIgKak0SY8hvxTPO5Mlg==
        -----END CERTIFICATE-----

        """

    func file(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("latchkey-ca-\(UUID().uuidString).pem").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func problems(caFile: String) -> String {
        let environment = ["LATCHKEY_CA_FILE": caFile, "LATCHKEY_PROVIDERS_DIR": FileManager.default.temporaryDirectory.path]
        do {
            _ = try ConfigurationLoader(environment: environment).load(.init())
            return ""
        } catch {
            return error.message
        }
    }

    @Test func aPEMFileOfCertificatesIsReadAndAddedToTheSystemRoots() throws {
        let path = try file(Self.caPEM + Self.caPEM)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let roots = try UpstreamTLS.loadTrustRoots(path: path).get()
        #expect(roots.count == 2)
        let configuration = UpstreamTLS.configuration(extraRoots: roots)
        #expect(configuration.trustRoots == nil || configuration.trustRoots == .default)
        #expect(configuration.additionalTrustRoots == [.certificates(roots)])
        #expect(configuration.certificateVerification == .fullVerification)
        #expect(problems(caFile: path).isEmpty)
    }

    @Test func withoutExtraRootsOnlyTheSystemsAreTrusted() {
        let configuration = UpstreamTLS.configuration(extraRoots: [])
        #expect(configuration.additionalTrustRoots.isEmpty)
        #expect(configuration.certificateVerification == .fullVerification)
    }

    @Test func aMissingFileStopsTheStartNamingTheSetting() {
        let message = problems(caFile: "/nonexistent/latchkey/ca.pem")
        #expect(message.contains("LATCHKEY_CA_FILE: cannot read '/nonexistent/latchkey/ca.pem'"))
    }

    @Test(arguments: ["", "not a certificate\n", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"])
    func aFileWithoutACertificateStopsTheStart(_ contents: String) throws {
        let path = try file(contents)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(problems(caFile: path).contains("LATCHKEY_CA_FILE"))
    }
}
