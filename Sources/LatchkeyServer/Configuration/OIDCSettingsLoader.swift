import Foundation

/// Reads `LATCHKEY_OIDC_*` and `LATCHKEY_PASSWORD_SIGNIN`, listing every problem (never echoing the client secret).
struct OIDCSettingsLoader {
    let environment: [String: String]

    /// The settings (nil: no OpenID Connect sign-in), whether password sign-in stays on, and what is wrong.
    func load() -> (settings: OIDCSettings?, passwordSignIn: Bool, problems: [String]) {
        var problems: [String] = []
        var passwordSignIn = true
        if let text = environment["LATCHKEY_PASSWORD_SIGNIN"] {
            switch text.lowercased() {
            case "on", "1", "true", "yes": passwordSignIn = true
            case "off", "0", "false", "no": passwordSignIn = false
            default: problems.append("LATCHKEY_PASSWORD_SIGNIN must be on or off")
            }
        }
        let names = ["LATCHKEY_OIDC_ISSUER", "LATCHKEY_OIDC_CLIENT_ID", "LATCHKEY_OIDC_CLIENT_SECRET", "LATCHKEY_OIDC_ALLOWED_DOMAINS", "LATCHKEY_OIDC_ADMIN_CLAIM"]
        guard names.contains(where: { environment[$0] != nil }) else {
            if !passwordSignIn { problems.append("LATCHKEY_PASSWORD_SIGNIN=off needs OpenID Connect sign-in (LATCHKEY_OIDC_ISSUER and the rest), or nobody could sign in") }
            return (nil, passwordSignIn, problems)
        }

        let issuer = environment["LATCHKEY_OIDC_ISSUER"]?.trimmingCharacters(in: .whitespaces) ?? ""
        if issuer.isEmpty {
            problems.append("LATCHKEY_OIDC_ISSUER is required when any LATCHKEY_OIDC_ setting is given")
        } else if let problem = Self.issuerProblem(issuer) {
            problems.append("LATCHKEY_OIDC_ISSUER \(problem)")
        }
        let clientID = environment["LATCHKEY_OIDC_CLIENT_ID"]?.trimmingCharacters(in: .whitespaces) ?? ""
        if clientID.isEmpty || !clientID.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) {
            problems.append("LATCHKEY_OIDC_CLIENT_ID is required: the client id registered with the identity provider (printable, no spaces)")
        }
        let secret = environment["LATCHKEY_OIDC_CLIENT_SECRET"] ?? ""
        if secret.isEmpty || secret.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            problems.append("LATCHKEY_OIDC_CLIENT_SECRET is required: the client secret registered with the identity provider (no control characters)")
        }
        var domains: Set<String>? = []
        if let text = environment["LATCHKEY_OIDC_ALLOWED_DOMAINS"], !text.trimmingCharacters(in: .whitespaces).isEmpty {
            let entries = text.split(whereSeparator: { $0 == "," || $0 == " " }).map { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "@")) }
            if entries == ["*"] {
                domains = nil
            } else {
                for entry in entries {
                    if entry.wholeMatch(of: /[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*/) != nil { domains?.insert(entry) } else {
                        problems.append("LATCHKEY_OIDC_ALLOWED_DOMAINS: '\(entry.prefix(100))' is not a domain (a comma-separated list such as 'example.com, example.org', or '*' for any)")
                    }
                }
            }
        } else {
            // Without a list, everyone with an account at the provider (all of Google, say) could sign in.
            problems.append("LATCHKEY_OIDC_ALLOWED_DOMAINS is required: the email domains that may sign in (comma-separated), or '*' for any domain")
        }
        var adminClaim: AdminClaim?
        if let text = environment["LATCHKEY_OIDC_ADMIN_CLAIM"], !text.isEmpty {
            adminClaim = AdminClaim.parse(text)
            if adminClaim == nil {
                problems.append("LATCHKEY_OIDC_ADMIN_CLAIM must be NAME=VALUE (a string claim equal to VALUE, or an array of strings containing it, e.g. groups=latchkey-admins) or NAME (a boolean claim that is true)")
            }
        }
        guard problems.isEmpty else { return (nil, passwordSignIn, problems) }
        return (OIDCSettings(issuer: issuer, clientID: clientID, clientSecret: secret, allowedDomains: domains, adminClaim: adminClaim), passwordSignIn, [])
    }

    /// What is wrong with an issuer URL, or nil: https (http only on loopback), a host, no query, fragment or user.
    static func issuerProblem(_ issuer: String) -> String? {
        guard let parts = URLComponents(string: issuer), let scheme = parts.scheme, let host = parts.host, !host.isEmpty else {
            return "must be an absolute URL such as https://accounts.example.com"
        }
        guard parts.query == nil, parts.fragment == nil, parts.user == nil, parts.password == nil else {
            return "must have no query, fragment or user name"
        }
        switch scheme {
        case "https": return nil
        case "http" where isLoopback(host): return nil
        default: return "must use https (http only on loopback, for tests)"
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.wholeMatch(of: /127\.\d{1,3}\.\d{1,3}\.\d{1,3}/) != nil
    }
}
