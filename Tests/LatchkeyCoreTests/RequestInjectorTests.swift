import Foundation
import Testing
@testable import LatchkeyCore

@Suite struct RequestInjectorTests {
    let catalog: Catalog

    init() throws {
        catalog = try CatalogLoader.load([CatalogSource(directory: Fixtures.directory("catalog-valid"), strict: true)])
    }

    @Test func headerInjectionAddsTheBearerAndFixedHeadersUnderTheBasePath() throws {
        let provider = try #require(catalog.provider("child-oauth"))
        let out = try RequestInjector.build(provider: provider, values: ["access_token": "tok"], rawPath: "/events", rawQuery: "a=1")
        #expect(out.url == "https://api.example.com/v2/events?a=1")
        #expect(out.injectedHeaders.first { $0.name == "Authorization" }?.value == "Bearer tok")
        #expect(out.injectedHeaders.first { $0.name == "X-Api-Version" }?.value == "2024-01-01")
        // The scrubber masks what was injected from the credential, never a fixed value like a version pin.
        #expect(out.injectedValues.contains("tok") && !out.injectedValues.contains("2024-01-01"))
    }

    @Test func queryInjectionReplacesAnAgentParameterOfTheSameName() throws {
        let provider = try #require(catalog.provider("weather"))
        let out = try RequestInjector.build(provider: provider, values: ["api_key": "k&y"], rawPath: "/weather", rawQuery: "q=Paris&appid=agent&%61ppid=sneaky")
        #expect(out.url == "https://api.weather.example.com/data/2.5/weather?q=Paris&appid=k%26y")
        #expect(out.injectedHeaders.isEmpty)
    }

    @Test func basicInjectionEncodesTheTemplatedPair() throws {
        let provider = try #require(catalog.provider("desk"))
        let out = try RequestInjector.build(provider: provider, values: ["subdomain": "acme", "email": "a@b.c", "api_token": "t"], rawPath: "/tickets", rawQuery: nil)
        #expect(out.url == "https://acme.desk.example.com/api/v2/tickets")
        #expect(out.injectedHeaders.first?.value == "Basic " + Data("a@b.c/token:t".utf8).base64EncodedString())
    }

    @Test func everyInjectedValueIsListedInEveryFormItWasSentIn() throws {
        let weather = try #require(catalog.provider("weather"))
        let query = try RequestInjector.build(provider: weather, values: ["api_key": "k&y secret"], rawPath: "/weather", rawQuery: nil)
        // A redirect that echoes the query carries the percent-encoded form.
        #expect(query.injectedValues.contains("k&y secret"))
        #expect(query.injectedValues.contains("k%26y%20secret"))
        let desk = try #require(catalog.provider("desk"))
        let basic = try RequestInjector.build(provider: desk, values: ["subdomain": "acme", "email": "a@b.c", "api_token": "t0ken-value"], rawPath: "/x", rawQuery: nil)
        let pair = "a@b.c/token:t0ken-value"
        for form in ["a@b.c/token", "t0ken-value", pair, Data(pair.utf8).base64EncodedString()] {
            #expect(basic.injectedValues.contains(form), "\(form)")
        }
        let oauth = try #require(catalog.provider("child-oauth"))
        let bearer = try RequestInjector.build(provider: oauth, values: ["access_token": "tok-0123456789"], rawPath: "/e", rawQuery: nil)
        #expect(bearer.injectedValues.contains("Bearer tok-0123456789"))
        #expect(bearer.injectedValues.contains("tok-0123456789"))
    }

    @Test(arguments: ["evil.com/", "a@evil.com", "evil.com:80", "..", "a b", "evil.com#", "x%2f"])
    func aHostFieldThatCouldChangeTheOriginIsRefused(_ subdomain: String) throws {
        let provider = try #require(catalog.provider("desk"))
        #expect(throws: LatchkeyError.self) {
            try RequestInjector.build(provider: provider, values: ["subdomain": subdomain, "email": "e", "api_token": "t"], rawPath: "/x", rawQuery: nil)
        }
    }

    @Test func aCredentialValueWithALineBreakNeverReachesAHeader() throws {
        let provider = try #require(catalog.provider("child-oauth"))
        #expect(throws: LatchkeyError.self) {
            try RequestInjector.build(provider: provider, values: ["access_token": "a\r\nX-Evil: 1"], rawPath: "/", rawQuery: nil)
        }
    }

    /// A credential's injection is worked out once per resolution and reused by every call: a call still sees its
    /// own path and query, and an uninjectable credential still fails each call, after the call's own path check.
    @Test func oneWorkedOutInjectionServesManyCallsAndKeepsItsErrors() throws {
        let provider = try #require(catalog.provider("weather"))
        let injection = CredentialInjection(provider: provider, values: ["api_key": "k-0123456789"])
        let first = try RequestInjector.build(provider: provider, injection: injection, rawPath: "/weather", rawQuery: "q=Paris")
        let second = try RequestInjector.build(provider: provider, injection: injection, rawPath: "/forecast", rawQuery: nil)
        #expect(first.url == "https://api.weather.example.com/data/2.5/weather?q=Paris&appid=k-0123456789")
        #expect(second.url == "https://api.weather.example.com/data/2.5/forecast?appid=k-0123456789")
        #expect(first.target == "/data/2.5/weather?q=Paris&appid=k-0123456789")
        #expect(first == (try RequestInjector.build(provider: provider, values: ["api_key": "k-0123456789"], rawPath: "/weather", rawQuery: "q=Paris")))
        #expect(injection.scrubber(alsoScrubbing: []).scrubbed("x k-0123456789 x") == "x ************ x")
        #expect(injection.scrubber(alsoScrubbing: ["old-token-value"]).scrubbed("old-token-value") == "***************")

        let missing = CredentialInjection(provider: provider, values: [:])
        #expect(throws: LatchkeyError.badRequest("the path contains an empty segment ('//')")) {
            try RequestInjector.build(provider: provider, injection: missing, rawPath: "/a//b", rawQuery: nil)
        }
        #expect(throws: LatchkeyError.badRequest("the credential has no value for a field the provider needs")) {
            try RequestInjector.build(provider: provider, injection: missing, rawPath: "/weather", rawQuery: nil)
        }
    }
}
