import Foundation
import LatchkeyCore
import Testing

/// Learning connect values from each source against an in-process stand-in for the provider.
@Suite struct ConnectValueLearnerTests {
    final class Remote: TokenHTTPClient, @unchecked Sendable {
        var answers: [String: (Int, String)] = [:]
        var privateHosts: Set<String> = []
        var requested: [(url: String, headers: [(String, String)], publicOnly: Bool)] = []

        func postForm(url: String, form: [(String, String)], headers: [(String, String)]) async throws -> TokenHTTPResponse {
            TokenHTTPResponse(status: 500, contentType: nil, body: Data())
        }

        func send(method: String, url: String, body: Data?, headers: [(String, String)], publicAddressOnly: Bool) async throws -> TokenHTTPResponse {
            requested.append((url, headers, publicAddressOnly))
            if publicAddressOnly, let host = URLComponents(string: url)?.host, privateHosts.contains(host) { throw LatchkeyError.upstreamForbidden(host) }
            guard let (status, text) = answers[url] else { throw LatchkeyError.upstreamUnreachable("timed out") }
            return TokenHTTPResponse(status: status, contentType: "application/json", body: Data(text.utf8))
        }
    }

    static func request(_ name: String, url: String = "https://login.example.com/metadata", path: String, pattern: String? = nil) throws -> ConnectValue {
        ConnectValue(name: name, source: .request(url: url, headers: [ConnectRequestHeader(name: "Authorization", value: try Template("OAuth {{access_token}}"))],
                                                  path: try ValuePath(path)), pattern: pattern)
    }

    /// What learning `values` with `remote` gives: the values, or the flow error.
    func outcome(_ remote: Remote, _ values: [ConnectValue], callbackQuery: [String: String] = [:], publicAddressOnly: Bool = false) async
        -> Result<[String: String], OAuthFlowError> {
        do {
            return .success(try await ConnectValueLearner(http: remote).learn(values, tokens: tokens, callbackQuery: callbackQuery, fields: [:],
                                                                              publicAddressOnly: publicAddressOnly))
        } catch {
            return .failure(error)
        }
    }

    let tokens = OAuthTokens(accessToken: "at-123", fields: ["instance_url": "https://acme.my.example.com"])

    @Test func learnsFromTheCallbackTheTokenResponseAndAFollowUpRequest() async throws {
        let provider = Remote()
        provider.answers["https://login.example.com/metadata"] = (200, #"{"dc":"us21","login":{"email":"a@example.com"}}"#)
        let values = [
            ConnectValue(name: "realm_id", source: .callbackQuery(param: "realmId"), pattern: "^[0-9]+$"),
            ConnectValue(name: "instance_url", source: .tokenResponse(path: try ValuePath("instance_url"))),
            try Self.request("dc", path: "dc", pattern: "^[a-z]+[0-9]+$"),
        ]
        let learnt = try await ConnectValueLearner(http: provider).learn(values, tokens: tokens, callbackQuery: ["realmId": "9130", "state": "s"],
                                                                         fields: [:], publicAddressOnly: false)
        #expect(learnt == ["realm_id": "9130", "instance_url": "https://acme.my.example.com", "dc": "us21"])
        #expect(provider.requested.count == 1)
        #expect(provider.requested.first?.headers.contains { $0.0 == "Authorization" && $0.1 == "OAuth at-123" } == true)
        #expect(provider.requested.first?.headers.contains { $0.0 == "Accept" && $0.1 == "application/json" } == true)
    }

    @Test func valuesFromOneAnswerShareOneRequest() async throws {
        let provider = Remote()
        provider.answers["https://account.example.com/oauth/userinfo"] = (200, """
            {"sub":"u","accounts":[{"account_id":"11111111-2222-3333-4444-555555555555","is_default":false,"base_uri":"https://na1.example.net"},
             {"account_id":"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee","is_default":true,"base_uri":"https://na3.example.net"}]}
            """)
        let url = "https://account.example.com/oauth/userinfo"
        let values = [try Self.request("account_id", url: url, path: "accounts[?is_default].account_id"),
                      try Self.request("base_uri", url: url, path: "accounts[?is_default].base_uri", pattern: #"^https://[a-z0-9]+\.example\.net$"#)]
        let learnt = try await ConnectValueLearner(http: provider).learn(values, tokens: tokens, callbackQuery: [:], fields: [:], publicAddressOnly: true)
        #expect(learnt == ["account_id": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "base_uri": "https://na3.example.net"])
        #expect(provider.requested.count == 1)
        #expect(provider.requested.first?.publicOnly == true)
    }

    @Test(arguments: [
        (200, #"{"dc":"us21.evil.example"}"#, "expected format"),
        (200, #"{"other":"us21"}"#, "nothing at 'dc'"),
        (401, #"{"error":"invalid_token"}"#, "HTTP 401"),
        (200, "<html>", "not JSON"),
    ])
    func aBadAnswerFailsTheConnectNamingTheValue(status: Int, body: String, reason: String) async throws {
        let provider = Remote()
        provider.answers["https://login.example.com/metadata"] = (status, body)
        let value = try Self.request("dc", path: "dc", pattern: "^[a-z]+[0-9]+$")
        let result = await outcome(provider, [value])
        guard case .failure(.connectValueFailed(let name, let message)) = result else { Issue.record("expected a failure, got \(result)"); return }
        #expect(name == "dc")
        #expect(message.contains(reason), "\(message)")
        #expect(!message.contains("at-123"))
    }

    @Test func anUnreachableOrPrivateFollowUpFails() async throws {
        let provider = Remote()
        provider.privateHosts = ["login.example.com"]
        provider.answers["https://login.example.com/metadata"] = (200, #"{"dc":"us21"}"#)
        let value = try Self.request("dc", path: "dc")
        let privateResult = await outcome(provider, [value], publicAddressOnly: true)
        #expect(privateResult == .failure(.connectValueFailed(name: "dc", reason: "the provider's address is not public")))
        let silent = try Self.request("dc", url: "https://silent.example.com/metadata", path: "dc")
        let timeout = await outcome(provider, [silent])
        #expect(timeout == .failure(.connectValueFailed(name: "dc", reason: "the provider could not be reached in time")))
    }

    @Test func aMissingCallbackParameterOrTokenFieldFails() async throws {
        let provider = Remote()
        let apiDomain = ConnectValue(name: "api_domain", source: .tokenResponse(path: try ValuePath("api_domain")))
        let fromCallback = await outcome(provider, [ConnectValue(name: "realm_id", source: .callbackQuery(param: "realmId"))], callbackQuery: ["code": "c"])
        #expect(fromCallback == .failure(.connectValueFailed(name: "realm_id", reason: "the callback carried no 'realmId' parameter")))
        let badCallback = await outcome(provider, [ConnectValue(name: "realm_id", source: .callbackQuery(param: "realmId"), pattern: "^[0-9]+$")], callbackQuery: ["realmId": "../x"])
        #expect(badCallback == .failure(.connectValueFailed(name: "realm_id", reason: "the learnt value does not have the expected format")))
        let fromToken = await outcome(provider, [apiDomain])
        #expect(fromToken == .failure(.connectValueFailed(name: "api_domain", reason: "the token response carried no acceptable value")))
    }

    @Test func theTokenResponseParserKeepsOnlyValuesMatchingTheirPattern() throws {
        var settings = OAuthSettings(tokenURL: "https://auth.example.com/token")
        settings.connectValues = [ConnectValue(name: "region", source: .tokenResponse(path: try ValuePath("meta.region")), pattern: "^[a-z]{2}$"),
                                  ConnectValue(name: "org", source: .tokenResponse(path: try ValuePath("orgs[0].id")))]
        let good = try TokenResponseParser.parse(status: 200, contentType: "application/json",
                                                 body: Data(#"{"access_token":"a","meta":{"region":"eu"},"orgs":[{"id":"o1"}]}"#.utf8), settings: settings)
        #expect(good.fields == ["region": "eu", "org": "o1"])
        let bad = try TokenResponseParser.parse(status: 200, contentType: "application/json",
                                                body: Data(#"{"access_token":"a","meta":{"region":"evil.example"}}"#.utf8), settings: settings)
        #expect(bad.fields.isEmpty)
    }
}
