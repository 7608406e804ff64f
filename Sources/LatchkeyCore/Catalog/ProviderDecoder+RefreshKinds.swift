/// The `auth` keys for providers that renew or request tokens their own way: `refresh_url` (Figma), `refresh`
/// (Meta's token exchange) and `scope_param` (Slack user tokens).
extension ProviderDecoder {
    static let refreshKindKeys: Set<String> = ["refresh_url", "refresh", "scope_param"]
    static let refreshKeys: Set<String> = ["grant", "grant_type", "token_param"]
    /// A form parameter name or value a provider file may give: no spaces, separators or control characters.
    static var formWordPattern: Regex<Substring> { /^[A-Za-z0-9_.:-]+$/ }

    /// Reads the keys into `settings`, reporting each problem with its key path.
    func decodeRefreshKinds(_ auth: [String: Any], node authNode: YAMLNode, mode: AuthMode, into settings: inout OAuthSettings) {
        if auth["refresh_url"] != nil {
            if settings.discovered {
                authNode.child("refresh_url", of: auth)?.fail("is discovered too when the endpoints are")
            } else {
                settings.refreshURL = url("refresh_url", in: auth, of: authNode, required: false)
                if let text = settings.refreshURL, text.contains("?") || text.contains("#") {
                    authNode.child("refresh_url", of: auth)?.fail("must not carry a query or fragment")
                    settings.refreshURL = nil
                }
            }
        }
        if let parameter = authNode.child("scope_param", of: auth), let text = parameter.string {
            if mode != .oauth2 {
                parameter.fail("applies only to the oauth2 authorization-code flow")
            } else if text.wholeMatch(of: Self.formWordPattern) == nil {
                parameter.fail("must be a query parameter name such as user_scope")
            } else {
                settings.scopeParameter = text
            }
        }
        if let refreshNode = authNode.child("refresh", of: auth), let refresh = refreshNode.map {
            if mode != .oauth2 { refreshNode.fail("applies only to the oauth2 authorization-code flow"); return }
            refreshNode.checkKeys(refresh, allowed: Self.refreshKeys)
            if let grant = decodeRefreshGrant(refresh, node: refreshNode) { settings.refreshGrant = grant }
        }
    }

    /// `{grant: refresh_token}` or `{grant: exchange, grant_type: …, token_param: …}`.
    private func decodeRefreshGrant(_ refresh: [String: Any], node: YAMLNode) -> RefreshGrant? {
        guard let grantNode = node.child("grant", of: refresh) else { node.fail("'grant' is required (refresh_token or exchange)"); return nil }
        guard let grant = grantNode.string else { return nil }
        switch grant {
        case "refresh_token":
            for key in ["grant_type", "token_param"] where refresh[key] != nil { node.child(key, of: refresh)?.fail("applies only to grant: exchange") }
            return .refreshToken
        case "exchange":
            let words = ["grant_type", "token_param"].map { key -> String? in
                guard let child = node.child(key, of: refresh) else { node.fail("'\(key)' is required for grant: exchange"); return nil }
                guard let text = child.string else { return nil }
                guard text.wholeMatch(of: Self.formWordPattern) != nil else { child.fail("must be a single word such as fb_exchange_token"); return nil }
                return text
            }
            guard let grantType = words[0], let tokenParam = words[1] else { return nil }
            return .exchange(grantType: grantType, tokenParam: tokenParam)
        default:
            grantNode.fail("must be refresh_token or exchange")
            return nil
        }
    }
}
