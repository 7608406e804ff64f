import NIOSSL

/// How Latchkey speaks TLS to providers and token endpoints, on both proxy paths (the event-loop pools and
/// AsyncHTTPClient): the system's trust roots plus the operator's own (`LATCHKEY_CA_FILE`), full certificate and
/// hostname verification, SNI. There is deliberately no way to turn verification off.
enum UpstreamTLS {
    /// The client configuration trusting the system's roots and `extraRoots`.
    static func configuration(extraRoots: [NIOSSLCertificate]) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        if !extraRoots.isEmpty { configuration.additionalTrustRoots = [.certificates(extraRoots)] }
        return configuration
    }

    /// The certificates of the PEM file at `path` (`LATCHKEY_CA_FILE`), or the problem, worded for the operator.
    static func loadTrustRoots(path: String) -> Result<[NIOSSLCertificate], TrustRootsProblem> {
        let certificates: [NIOSSLCertificate]
        do { certificates = try NIOSSLCertificate.fromPEMFile(path) } catch {
            return .failure(TrustRootsProblem(message: "LATCHKEY_CA_FILE: cannot read '\(path)' as PEM certificates"))
        }
        guard !certificates.isEmpty else {
            return .failure(TrustRootsProblem(message: "LATCHKEY_CA_FILE: '\(path)' holds no PEM certificate"))
        }
        return .success(certificates)
    }

    struct TrustRootsProblem: Error {
        let message: String
    }
}
