import Foundation
import LatchkeyCore

extension AuthorizationServerMetadata {
    /// Whether the token endpoint takes the client secret in the body rather than HTTP Basic (Core §9's default).
    var postsClientSecret: Bool {
        guard let methods = tokenEndpointAuthMethodsSupported else { return false }
        return !methods.contains("client_secret_basic") && methods.contains("client_secret_post")
    }

    /// The problem with this discovery document for dashboard sign-in, or nil: the issuer must be the configured one
    /// exactly (Discovery §4.3, against a mix-up of providers), and the endpoints absolute URLs, https when the issuer is.
    func signInProblem(for settings: OIDCSettings) -> String? {
        guard issuer == settings.issuer else {
            return "the discovery document names the issuer '\(issuer.prefix(200))', not the configured '\(settings.issuer)'"
        }
        let https = settings.issuer.hasPrefix("https://")
        for (name, url) in [("authorization_endpoint", authorizationEndpoint), ("token_endpoint", tokenEndpoint), ("jwks_uri", jwksURI ?? "")] {
            guard let parts = URLComponents(string: url), parts.host?.isEmpty == false,
                  parts.scheme == "https" || (!https && parts.scheme == "http") else {
                return "the discovery document's \(name) is missing or not an absolute \(https ? "https" : "http(s)") URL"
            }
        }
        return nil
    }
}
