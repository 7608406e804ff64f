import Foundation
import Testing
@testable import LatchkeyCore

@Suite struct TokenResponseParserTests {
    let settings = OAuthSettings(tokenURL: "https://example.com/token", scopeSeparator: " ")

    func parse(_ status: Int, _ body: String, settings: OAuthSettings? = nil) throws(TokenEndpointError) -> OAuthTokens {
        try TokenResponseParser.parse(status: status, contentType: nil, body: Data(body.utf8), settings: settings ?? self.settings)
    }

    @Test func aStandardJSONResponse() throws {
        let tokens = try parse(200, #"{"access_token":"a","refresh_token":"r","expires_in":3600,"scope":"read write","token_type":"Bearer"}"#)
        #expect(tokens == OAuthTokens(accessToken: "a", refreshToken: "r", expiresIn: 3600, scopes: ["read", "write"]))
    }

    @Test func aFormEncodedResponseWithoutExpiryOrRefreshToken() throws {
        let tokens = try parse(200, "access_token=gho_abc&scope=repo%2Cuser&token_type=bearer")
        #expect(tokens.accessToken == "gho_abc")
        #expect(tokens.refreshToken == nil)
        #expect(tokens.expiresIn == nil)
        #expect(tokens.scopes == ["repo", "user"])
    }

    @Test func expiresInAsTextAndCommaSeparatedScopes() throws {
        let tokens = try parse(200, #"{"access_token":"a","expires_in":"120","scope":"a,b,c"}"#)
        #expect(tokens.expiresIn == 120)
        #expect(tokens.scopes == ["a", "b", "c"])
    }

    @Test func nestedTokensAndKeptFields() throws {
        var nested = settings
        nested.tokenResponsePaths = ["access_token": "authed_user.access_token", "refresh_token": "authed_user.refresh_token", "scope": "authed_user.scope"]
        nested.tokenFields = ["instance_url"]
        let body = #"{"ok":true,"access_token":"xoxb-bot","authed_user":{"access_token":"xoxp-user","refresh_token":"xoxe-r","scope":"chat:write"},"instance_url":"https://na1.example.com"}"#
        let tokens = try parse(200, body, settings: nested)
        #expect(tokens.accessToken == "xoxp-user")
        #expect(tokens.refreshToken == "xoxe-r")
        #expect(tokens.scopes == ["chat:write"])
        #expect(tokens.fields == ["instance_url": "https://na1.example.com"])
    }

    @Test func aMappedTokenIsReadAtTheTopLevelOnlyWhenTheResponseHasNoNestedObject() throws {
        var nested = settings
        nested.tokenResponsePaths = ["access_token": "authed_user.access_token", "refresh_token": "authed_user.refresh_token", "expires_in": "authed_user.expires_in"]
        // Slack's refresh of a user token: the same names at the top level, no authed_user.
        let refreshed = try parse(200, #"{"ok":true,"access_token":"xoxp-2","refresh_token":"xoxe-r2","expires_in":43200,"token_type":"user"}"#, settings: nested)
        #expect(refreshed == OAuthTokens(accessToken: "xoxp-2", refreshToken: "xoxe-r2", expiresIn: 43200))
        // A code exchange with authed_user never takes the top-level (bot) token or its refresh token.
        let exchanged = try parse(200, #"{"ok":true,"access_token":"xoxb-bot","refresh_token":"xoxe-bot","expires_in":43200,"authed_user":{"access_token":"xoxp-1"}}"#, settings: nested)
        #expect(exchanged == OAuthTokens(accessToken: "xoxp-1"))
        #expect(throws: TokenEndpointError.self) { try parse(200, #"{"ok":true,"access_token":"xoxb-bot","authed_user":{"id":"U1"}}"#, settings: nested) }
    }

    @Test func aGraphAPIInvalidTokenErrorIsPermanentAndItsOtherErrorsAreNot() {
        #expect(throws: TokenEndpointError.permanent(code: "invalid_grant")) {
            try parse(400, #"{"error":{"message":"Error validating access token","type":"OAuthException","code":190}}"#)
        }
        #expect(throws: TokenEndpointError.transient(reason: "HTTP 400")) {
            try parse(400, #"{"error":{"message":"Application request limit reached","type":"OAuthException","code":4}}"#)
        }
    }

    @Test(arguments: [
        (400, #"{"error":"invalid_grant","error_description":"revoked"}"#, TokenEndpointError.permanent(code: "invalid_grant")),
        (401, #"{"error":"invalid_client"}"#, .permanent(code: "invalid_client")),
        (400, #"{"error":"invalid_scope"}"#, .permanent(code: "invalid_scope")),
        (400, #"{"error":"unauthorized_client"}"#, .permanent(code: "unauthorized_client")),
        (200, #"{"ok":false,"error":"invalid_refresh_token"}"#, .permanent(code: "invalid_refresh_token")),
        (401, "", .permanent(code: "invalid_client")),
        (503, "<html>down</html>", .transient(reason: "HTTP 503")),
        (429, #"{"message":"slow down"}"#, .transient(reason: "HTTP 429")),
        (400, #"{"error":"temporarily_unavailable"}"#, .transient(reason: "temporarily_unavailable")),
        (200, #"{"token_type":"bearer"}"#, .transient(reason: "token response without access_token")),
        (200, "not a token response", .transient(reason: "unreadable token response")),
    ])
    func failuresAreSplitIntoPermanentAndTransient(_ status: Int, _ body: String, _ expected: TokenEndpointError) {
        #expect(throws: expected) { try parse(status, body) }
    }
}
