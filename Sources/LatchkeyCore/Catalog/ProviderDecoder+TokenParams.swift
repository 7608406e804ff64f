/// `auth.token_params` beyond fixed values: a value may take a non-secret field (`{{account_id}}`, which Zoom's
/// server-to-server grant needs), and a client-credentials provider may name its own grant type
/// (`grant_type: account_credentials`), which then replaces `client_credentials`.
extension ProviderDecoder {
    /// Reports token parameters that use anything but non-secret fields, or name a grant outside client credentials.
    func checkTokenParams(_ auth: [String: Any], node authNode: YAMLNode, mode: AuthMode) {
        guard let paramsNode = authNode.child("token_params", of: auth), let params = paramsNode.value as? [String: Any] else { return }
        let nonSecret = Set(declaredFields(of: authNode).filter { !$0.secret }.map(\.name))
        for key in params.keys.sorted() {
            guard let child = paramsNode.child(key, of: params), let value = child.value as? String else { continue }
            if key == "grant_type", mode != .oauth2ClientCredentials {
                child.fail("only a client-credentials provider names its grant type; the authorization-code flow sends its own")
            }
            guard value.contains("{{") else { continue }
            guard let template = try? Template(value) else { child.fail("is not a valid template"); continue }
            for name in template.variables.subtracting(nonSecret).sorted() { child.fail("uses '{{\(name)}}', which is not a non-secret credential field") }
        }
    }
}
