/// `auth.issuer_field`: the OAuth endpoints are discovered (OpenID Connect discovery) from the issuer a user types in
/// that field when connecting, instead of being written in the file.
extension ProviderDecoder {
    /// Whether the `auth` block asks for discovery at a typed issuer.
    static func discoversFromIssuer(_ auth: [String: Any]) -> Bool { auth["issuer_field"] != nil }

    /// Reads `issuer_field` into `settings`: an oauth2 provider without written endpoints, naming one of its
    /// required, non-secret fields.
    func decodeIssuerField(_ auth: [String: Any], node authNode: YAMLNode, mode: AuthMode, into settings: inout OAuthSettings) {
        guard let child = authNode.child("issuer_field", of: auth), let name = child.string else { return }
        guard mode == .oauth2 else { child.fail("applies only to the oauth2 authorization-code flow"); return }
        for key in ["authorization_url", "token_url", "revocation_url", "refresh_url"] where auth[key] != nil {
            authNode.child(key, of: auth)?.fail("must be left out: the endpoints are discovered from the issuer in '\(name)'")
        }
        guard let field = declaredFields(of: authNode).first(where: { $0.name == name }) else {
            child.fail("'\(name)' is not a field of this provider")
            return
        }
        guard !field.secret, field.required else { child.fail("'\(name)' must be a required field with secret: false"); return }
        settings.discovered = true
        settings.issuerField = name
        // A public client (PKCE, no secret): the issuer is whatever a user types, so the deployment's client secret
        // must never be sent there — a user naming their own server would otherwise collect it.
        settings.tokenEndpointAuth = .none
    }

    /// The declared fields with their `secret` and `required` flags, read quietly (`decodeFields` reports problems).
    func declaredFields(of authNode: YAMLNode) -> [CredentialField] {
        guard let auth = authNode.value as? [String: Any], let items = auth["fields"] as? [[String: Any]] else { return [] }
        return items.compactMap { item in
            guard let name = item["name"] as? String else { return nil }
            return CredentialField(name: name, label: name, secret: item["secret"] as? Bool ?? true, required: item["required"] as? Bool ?? true)
        }
    }
}
