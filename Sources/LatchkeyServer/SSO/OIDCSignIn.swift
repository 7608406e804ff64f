import Foundation
import LatchkeyCore
import Logging

/// Signing in to the dashboard through the deployment's OpenID Connect provider: the authorization-code flow with
/// PKCE S256, `state` and `nonce` bound to the browser (`SSOBrowserBinding`), the code exchanged with the client
/// secret, the id_token verified (`IDTokenVerifier`), then the email domain allow-list. A first sign-in creates the user
/// (a member, or an admin when the admin claim holds); an existing user with the same email is signed in as is.
struct OIDCSignIn: Sendable {
    let settings: OIDCSettings
    /// `{public_url}/oidc/callback`, to register with the provider.
    let redirectURI: String
    let http: any TokenHTTPClient
    let users: UserService
    let sessions: SessionService
    let audit: AuditLog
    let clock: any WallClock
    let logger: Logger
    let cache = MetadataCache()

    /// The scopes asked for: the id_token, and the email it must carry.
    static let scopes = "openid email profile"

    /// The provider URL to send the browser to, and the binding to set as its cookie.
    func begin(next: String?) async throws(SSOFailure) -> (url: String, binding: SSOBrowserBinding) {
        let metadata = try await discover()
        let binding = SSOBrowserBinding.make(next: next ?? LocalRedirect.fallback)
        let query: [(String, String)] = [
            ("response_type", "code"), ("client_id", settings.clientID), ("redirect_uri", redirectURI), ("scope", Self.scopes),
            ("state", binding.state), ("nonce", binding.nonce),
            ("code_challenge", PKCE.challenge(for: binding.codeVerifier)), ("code_challenge_method", "S256"),
        ]
        let encoded = query.map { TokenRequester.formEncode($0.0) + "=" + TokenRequester.formEncode($0.1) }.joined(separator: "&")
        let separator = metadata.authorizationEndpoint.contains("?") ? "&" : "?"
        return (metadata.authorizationEndpoint + separator + encoded, binding)
    }

    /// Finishes a sign-in from the provider's callback; returns the new session's cookie, the user and where to go.
    /// Every refusal is audited (with no token in it) and changes nothing.
    func finish(query: [String: String], binding: SSOBrowserBinding?, client: String) async throws(SSOFailure) -> (cookie: String, user: User, next: String) {
        do {
            return try await complete(query: query, binding: binding)
        } catch let failure {
            let ownerID: String? = if let email = failure.email { try? await users.existingID(email: email) } else { nil }
            var detail = ["reason": failure.reason, "issuer": settings.issuer]
            if let email = failure.email { detail["email"] = email }
            try? await audit.record(ownerID: ownerID ?? "unknown", actor: "client:\(client)", action: "user.sso_refused", targetType: "user",
                                    targetID: ownerID ?? "unknown", detail: detail)
            logger.notice("OpenID Connect sign-in refused", metadata: ["reason": .string(failure.reason)])
            throw failure
        }
    }

    private func complete(query: [String: String], binding: SSOBrowserBinding?) async throws(SSOFailure) -> (cookie: String, user: User, next: String) {
        guard let binding else {
            throw SSOFailure(.badRequest, "not_bound", "This sign-in was not started in this browser, or it took longer than ten minutes. Start it again from the sign-in page.")
        }
        guard let state = query["state"], SecretToken.constantTimeEquals(Data(state.utf8), Data(binding.state.utf8)) else {
            throw SSOFailure(.badRequest, "state", "This sign-in answer does not belong to the sign-in this browser started. Start it again from the sign-in page.")
        }
        if let error = query["error"] {
            let code = IDTokenRejection.printable(error)
            throw SSOFailure(.forbidden, "provider_error", "\(settings.displayName) did not sign you in (\(code.isEmpty ? "no reason given" : code)).")
        }
        guard let code = query["code"], !code.isEmpty, code.utf8.count <= 4096 else {
            throw SSOFailure(.badRequest, "no_code", "The identity provider's answer has no authorization code.")
        }
        let metadata = try await discover()
        let idToken = try await exchange(code: code, verifier: binding.codeVerifier, metadata: metadata)
        let jwks = try await fetch(metadata.jwksURI ?? "", what: "signing keys (JWKS)")
        let verifier = IDTokenVerifier(issuer: settings.issuer, clientID: settings.clientID)
        let token: VerifiedIDToken
        do { token = try await verifier.verify(idToken, jwks: jwks, nonce: binding.nonce, now: clock.now) } catch {
            throw SSOFailure(.forbidden, "id_token_\(error.code)", "Sign-in refused: \(error.message).")
        }
        guard let rawEmail = token.email, !rawEmail.isEmpty else {
            throw SSOFailure(.forbidden, "no_email", "The identity provider sent no email address; Latchkey needs one (ask for the `email` scope).")
        }
        let email = rawEmail.trimmingCharacters(in: .whitespaces).lowercased()
        guard token.emailVerified != false else {
            throw SSOFailure(.forbidden, "email_unverified", "The identity provider has not verified the email address \(email).", email: email)
        }
        guard settings.allows(email: email) else {
            throw SSOFailure(.forbidden, "domain", "The email address \(email) is not in a domain allowed to sign in to Latchkey.", email: email)
        }
        let role: User.Role = settings.adminClaim?.holds(in: token.claims) == true ? .admin : .member
        do {
            let (user, created) = try await users.provision(email: email, role: role)
            let (cookie, _) = try await sessions.open(for: user)
            try await audit.record(ownerID: user.id, actor: "user:\(user.id)", action: "user.signed_in", targetType: "user", targetID: user.id,
                                   detail: ["method": "oidc", "issuer": settings.issuer, "created": created ? "true" : "false"])
            return (cookie, user, binding.next)
        } catch let error as LatchkeyError {
            throw SSOFailure(.badRequest, "user", "Latchkey cannot create a user for \(email): \(error)", email: email)
        } catch {
            throw SSOFailure(.serviceUnavailable, "database", "Latchkey could not record the sign-in right now. Try again in a moment.", email: email)
        }
    }

    /// The discovery document, cached for an hour.
    func discover() async throws(SSOFailure) -> AuthorizationServerMetadata {
        if let cached = cache.get(now: clock.now) { return cached }
        let body = try await fetch(settings.discoveryURL, what: "discovery document")
        guard let metadata = try? JSONDecoder().decode(AuthorizationServerMetadata.self, from: body) else {
            throw SSOFailure(.badGateway, "discovery", "The identity provider's discovery document at \(settings.discoveryURL) is not valid OpenID Connect metadata.")
        }
        if let problem = metadata.signInProblem(for: settings) { throw SSOFailure(.badGateway, "discovery", "Sign-in is not possible: \(problem).") }
        cache.put(metadata, now: clock.now)
        return metadata
    }

    /// The id_token of the code exchange.
    private func exchange(code: String, verifier: String, metadata: AuthorizationServerMetadata) async throws(SSOFailure) -> String {
        var form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", verifier)]
        var headers = [("Accept", "application/json")]
        if metadata.postsClientSecret {
            form += [("client_id", settings.clientID), ("client_secret", settings.clientSecret)]
        } else {
            let pair = TokenRequester.formEncode(settings.clientID) + ":" + TokenRequester.formEncode(settings.clientSecret)
            headers.append(("Authorization", "Basic " + Data(pair.utf8).base64EncodedString()))
        }
        let response: TokenHTTPResponse
        do { response = try await http.postForm(url: metadata.tokenEndpoint, form: form, headers: headers) } catch {
            throw SSOFailure(.badGateway, "token_unreachable", "The identity provider's token endpoint did not answer.")
        }
        let object = try? JSONDecoder().decode([String: ClaimValue].self, from: response.body)
        guard response.status == 200 else {
            let error = object?["error"]?.string.map(IDTokenRejection.printable) ?? "HTTP \(response.status)"
            throw SSOFailure(.badGateway, "token_refused", "The identity provider refused to exchange the code (\(error)).")
        }
        guard let idToken = object?["id_token"]?.string else {
            throw SSOFailure(.badGateway, "no_id_token", "The identity provider's token response has no id_token (is `openid` among the client's scopes?).")
        }
        return idToken
    }

    /// A GET to the provider (discovery, keys).
    private func fetch(_ url: String, what: String) async throws(SSOFailure) -> Data {
        let response: TokenHTTPResponse
        do { response = try await http.send(method: "GET", url: url, body: nil, headers: [("Accept", "application/json")], publicAddressOnly: false) } catch {
            throw SSOFailure(.badGateway, "provider_unreachable", "The identity provider's \(what) at \(url) could not be fetched.")
        }
        guard response.status == 200 else {
            throw SSOFailure(.badGateway, "provider_unreachable", "The identity provider's \(what) at \(url) answered HTTP \(response.status).")
        }
        return response.body
    }
}
