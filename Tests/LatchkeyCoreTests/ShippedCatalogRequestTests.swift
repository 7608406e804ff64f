import Foundation
import Testing
@testable import LatchkeyCore

/// The requests the proxy sends for real providers, checked against what each provider's documentation requires.
@Suite struct ShippedCatalogRequestTests {
    let catalog: Catalog

    init() throws {
        catalog = try ShippedCatalog.load()
    }

    struct Case: Sendable, CustomStringConvertible {
        let provider: String
        let values: [String: String]
        let path: String
        let query: String?
        let url: String
        let headers: [String: String]
        var description: String { provider }
    }

    static let basicTwilio = "Basic " + Data("AC123:tok".utf8).base64EncodedString()

    static let cases: [Case] = [
        // https://platform.openai.com/docs/api-reference/authentication
        Case(provider: "openai", values: ["api_key": "sk-test"], path: "/models", query: nil,
             url: "https://api.openai.com/v1/models", headers: ["Authorization": "Bearer sk-test"]),
        // https://docs.anthropic.com/en/api/overview: x-api-key and anthropic-version
        Case(provider: "anthropic", values: ["api_key": "sk-ant-test"], path: "/v1/messages", query: nil,
             url: "https://api.anthropic.com/v1/messages", headers: ["x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01"]),
        // https://docs.stripe.com/api/authentication: the secret key as a bearer token
        Case(provider: "stripe", values: ["api_key": "sk_test_123"], path: "/v1/customers", query: "limit=3",
             url: "https://api.stripe.com/v1/customers?limit=3", headers: ["Authorization": "Bearer sk_test_123"]),
        // https://openweathermap.org/current: the key in the appid query parameter
        Case(provider: "openweathermap", values: ["api_key": "0123456789abcdef0123456789abcdef"], path: "/data/2.5/weather", query: "q=London",
             url: "https://api.openweathermap.org/data/2.5/weather?q=London&appid=0123456789abcdef0123456789abcdef", headers: [:]),
        // https://www.twilio.com/docs/usage/requests-to-twilio: HTTP basic with the Account SID and auth token
        Case(provider: "twilio", values: ["account_sid": "AC123", "auth_token": "tok"], path: "/2010-04-01/Accounts.json", query: nil,
             url: "https://api.twilio.com/2010-04-01/Accounts.json", headers: ["Authorization": basicTwilio]),
        // https://docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api
        Case(provider: "github", values: ["access_token": "gho_x"], path: "/user", query: nil, url: "https://api.github.com/user",
             headers: ["Authorization": "Bearer gho_x", "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"]),
        // https://developers.notion.com/reference/versioning: Notion-Version on every request (a default since issue 17)
        Case(provider: "notion", values: ["access_token": "ntn_x"], path: "/v1/search", query: nil, url: "https://api.notion.com/v1/search",
             headers: ["Authorization": "Bearer ntn_x", "Notion-Version": "2026-03-11"]),
        // https://developers.klaviyo.com/en/docs/api_versioning_and_deprecation_policy: a supported revision on every call
        Case(provider: "klaviyo", values: ["api_key": "pk_x"], path: "/lists", query: nil, url: "https://a.klaviyo.com/api/lists",
             headers: ["Authorization": "Klaviyo-API-Key pk_x", "revision": "2026-10-15", "Accept": "application/vnd.api+json"]),
        // https://github.com/reddit-archive/reddit/wiki/API: a descriptive User-Agent (a default: an agent's own wins)
        Case(provider: "reddit", values: ["access_token": "rd_x"], path: "/api/v1/me", query: nil, url: "https://oauth.reddit.com/api/v1/me",
             headers: ["Authorization": "Bearer rd_x", "User-Agent": "server:latchkey-credential-broker:1.0 (Latchkey OAuth client)"]),
        // https://docs.pinecone.io/reference/api/versioning: X-Pinecone-API-Version names a supported stable version
        Case(provider: "pinecone", values: ["api_key": "pcsk_x"], path: "/indexes", query: nil, url: "https://api.pinecone.io/indexes",
             headers: ["Api-Key": "pcsk_x", "X-Pinecone-API-Version": "2025-10"]),
        // https://developer.zendesk.com/api-reference/: the account's subdomain is the host
        Case(provider: "zendesk", values: ["access_token": "z", "subdomain": "acme"], path: "/tickets.json", query: nil,
             url: "https://acme.zendesk.com/api/v2/tickets.json", headers: ["Authorization": "Bearer z"]),
        // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/: calls go to the token's instance_url
        Case(provider: "salesforce", values: ["access_token": "00D!x", "instance_url": "https://acme.my.salesforce.com"], path: "/services/data/v62.0/limits",
             query: nil, url: "https://acme.my.salesforce.com/services/data/v62.0/limits", headers: ["Authorization": "Bearer 00D!x"]),
        // https://shopify.dev/docs/api/admin-rest: X-Shopify-Access-Token on the shop's own host
        Case(provider: "shopify", values: ["access_token": "shpat_x", "shop": "acme"], path: "/2026-10/shop.json", query: nil,
             url: "https://acme.myshopify.com/admin/api/2026-10/shop.json", headers: ["X-Shopify-Access-Token": "shpat_x"]),
        // https://api.slack.com/web: methods under slack.com/api with a bearer token
        Case(provider: "slack", values: ["access_token": "xoxb-x"], path: "/chat.postMessage", query: nil,
             url: "https://slack.com/api/chat.postMessage", headers: ["Authorization": "Bearer xoxb-x"]),
        // https://developers.google.com/calendar/api/v3/reference: googleapis.com with an OAuth bearer token
        Case(provider: "google-calendar", values: ["access_token": "ya29.x"], path: "/calendar/v3/calendars/primary/events", query: nil,
             url: "https://www.googleapis.com/calendar/v3/calendars/primary/events", headers: ["Authorization": "Bearer ya29.x"]),
    ]

    @Test(arguments: cases)
    func theProxySendsWhatTheProviderDocuments(_ c: Case) throws {
        let provider = try #require(catalog.provider(c.provider))
        let out = try RequestInjector.build(provider: provider, values: c.values, rawPath: c.path, rawQuery: c.query)
        #expect(out.url == c.url)
        #expect(Dictionary((out.defaultHeaders + out.injectedHeaders).map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }) == c.headers)
    }

    @Test func everyAuthModeOfTheShippedCatalogIsCovered() {
        let modes = Set(Self.cases.compactMap { catalog.provider($0.provider)?.authMode })
        #expect(modes.isSuperset(of: [.apiKey, .basic, .oauth2]))
    }

    static let referenceTSV = ShippedCatalog.root.deletingLastPathComponent().appendingPathComponent("shared/reference/provider-endpoints.tsv")

    /// Where a provider of ours shares an id with the reference list, its OAuth URLs agree, or its file says why not
    /// in a comment on that line (on its `extends:` line for an inherited URL).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: referenceTSV.path)))
    func oauthEndpointsAgreeWithTheReferenceOrSayWhyNot() throws {
        let text = try String(contentsOf: Self.referenceTSV, encoding: .utf8)
        var compared = 0
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cells.count >= 4, let provider = catalog.provider(cells[0]), let oauth = provider.oauth else { continue }
            let file = (try? String(contentsOfFile: provider.sourceFile, encoding: .utf8)) ?? ""
            for (key, reference, ours) in [("authorization_url", cells[2], oauth.authorizationURL), ("token_url", cells[3], oauth.tokenURL)] {
                guard !reference.isEmpty, let ours, !ours.contains("{{") else { continue }
                compared += 1
                if ours != reference {
                    // The comment sits on the key's line, or on the `extends:` line when the value is inherited.
                    let lines = file.split(separator: "\n")
                    let setHere = lines.contains { $0.contains("\(key):") }
                    let explained = lines.contains { ($0.contains("\(key):") || (!setHere && $0.hasPrefix("extends:"))) && $0.contains("#") }
                    #expect(explained, "\(provider.id).\(key) is \(ours), the reference says \(reference), and no comment says why")
                }
            }
        }
        #expect(compared > 20)
    }
}
