import Foundation

/// Reads token endpoint responses: JSON or form-encoded, tokens possibly nested, `expires_in` as number or text,
/// scopes space- or comma-separated, OAuth errors in 4xx bodies or (Slack) in 200 bodies.
public enum TokenResponseParser {
    /// Parses a response of `status` with `body` for `settings`; throws `TokenEndpointError`.
    public static func parse(status: Int, contentType: String?, body: Data, settings: OAuthSettings) throws(TokenEndpointError) -> OAuthTokens {
        let object = decode(body, contentType: contentType)
        if let object, let code = string(object["error"]), !code.isEmpty, (object["ok"] as? Bool) != true {
            throw TokenEndpointError.classify(code: code)
        }
        // Meta's Graph API answers errors as an object; code 190 is a token that is invalid, expired or revoked.
        if let graphError = object?["error"] as? [String: Any], (graphError["code"] as? Int) == 190 {
            throw .permanent(code: "invalid_grant")
        }
        switch status {
        case 200..<300: break
        case 429, 500...: throw .transient(reason: "HTTP \(status)")
        case 401: throw .permanent(code: "invalid_client")
        default: throw .transient(reason: "HTTP \(status)")
        }
        guard let object else { throw .transient(reason: "unreadable token response") }
        let paths = settings.tokenResponsePaths
        guard let access = string(mapped("access_token", paths, in: object)), !access.isEmpty else {
            throw .transient(reason: "token response without access_token")
        }
        var tokens = OAuthTokens(accessToken: access)
        tokens.refreshToken = string(mapped("refresh_token", paths, in: object)).flatMap { $0.isEmpty ? nil : $0 }
        let expires = mapped("expires_in", paths, in: object)
        tokens.expiresIn = (expires as? Int) ?? (expires as? Double).map { Int($0) } ?? string(expires).flatMap { Int($0) }
        if let scope = string(mapped("scope", paths, in: object)) {
            tokens.scopes = splitScopes(scope, separator: settings.scopeSeparator)
        }
        for name in settings.tokenFields {
            if let text = string(value(at: name, in: object)) { tokens.fields[name] = text }
        }
        // A connect value the token response carries; one that does not match its pattern is left out (at connect
        // that fails the flow, on refresh the stored value stays).
        for declared in settings.connectValues {
            guard case .tokenResponse(let path) = declared.source, let text = path.text(in: object), declared.accepts(text) else { continue }
            tokens.fields[declared.name] = text
        }
        return tokens
    }

    /// Splits on the provider's separator, and also on spaces and commas, which providers mix.
    public static func splitScopes(_ text: String, separator: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "," || separator.contains($0) }).map(String.init)
    }

    static func decode(_ body: Data, contentType: String?) -> [String: Any]? {
        if let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] { return object }
        guard let text = String(data: body, encoding: .utf8), text.contains("=") else { return nil }
        var object: [String: Any] = [:]
        for pair in text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = formDecode(String(parts[0]))
            object[key] = parts.count > 1 ? formDecode(String(parts[1])) : ""
        }
        return object
    }

    static func formDecode(_ text: String) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? text
    }

    /// The value of standard member `name`: at its mapped dot path when the file maps it and the response holds
    /// the path's first member, else at the top level. So one mapping reads both Slack's code exchange, which nests
    /// a user token under `authed_user`, and its refresh, which answers the same token at the top level with no
    /// `authed_user`; a response that has `authed_user` is never read at the top level, where a bot token may sit.
    static func mapped(_ name: String, _ paths: [String: String], in object: [String: Any]) -> Any? {
        guard let path = paths[name] else { return object[name] }
        guard let first = path.split(separator: ".").first, object[String(first)] != nil else { return object[name] }
        return value(at: path, in: object)
    }

    static func value(at path: String, in object: [String: Any]) -> Any? {
        var current: Any? = object
        for key in path.split(separator: ".") { current = (current as? [String: Any])?[String(key)] }
        return current
    }

    static func string(_ value: Any?) -> String? {
        switch value {
        case let text as String: text
        case let number as Int: String(number)
        default: nil
        }
    }
}
