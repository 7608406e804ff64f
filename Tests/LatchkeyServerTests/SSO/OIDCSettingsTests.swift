import Foundation
import Testing
@testable import LatchkeyServer

/// `LATCHKEY_OIDC_*` and `LATCHKEY_PASSWORD_SIGNIN`: checked at start, every problem named, the secret never echoed.
@Suite struct OIDCSettingsTests {
    static let valid = [
        "LATCHKEY_OIDC_ISSUER": "https://login.acme.test/realms/staff",
        "LATCHKEY_OIDC_CLIENT_ID": "latchkey",
        "LATCHKEY_OIDC_CLIENT_SECRET": "s3cr3t-value-never-shown",
        "LATCHKEY_OIDC_ALLOWED_DOMAINS": "acme.test, @Acme.example",
        "LATCHKEY_OIDC_ADMIN_CLAIM": "groups=latchkey-admins",
    ]

    func load(_ environment: [String: String]) -> (settings: OIDCSettings?, passwordSignIn: Bool, problems: [String]) {
        OIDCSettingsLoader(environment: environment).load()
    }

    @Test func aCompleteConfigurationIsRead() throws {
        let loaded = load(Self.valid)
        #expect(loaded.problems.isEmpty)
        let settings = try #require(loaded.settings)
        #expect(settings.issuer == "https://login.acme.test/realms/staff")
        #expect(settings.allowedDomains == ["acme.test", "acme.example"])
        #expect(settings.adminClaim == AdminClaim(path: ["groups"], value: "latchkey-admins"))
        #expect(settings.displayName == "login.acme.test")
        #expect(!"\(settings)".contains("s3cr3t"))
        #expect(loaded.passwordSignIn)
    }

    @Test func nothingConfiguredMeansNoSSOAndPasswordsOn() {
        let loaded = load([:])
        #expect(loaded.settings == nil && loaded.passwordSignIn && loaded.problems.isEmpty)
    }

    @Test(arguments: ["http://login.acme.test", "ftp://login.acme.test", "login.acme.test", "https://login.acme.test?x=1", "https://user@login.acme.test"])
    func anIssuerThatIsNotHTTPSIsRefused(_ issuer: String) {
        var environment = Self.valid
        environment["LATCHKEY_OIDC_ISSUER"] = issuer
        let loaded = load(environment)
        #expect(loaded.settings == nil)
        #expect(loaded.problems.contains { $0.hasPrefix("LATCHKEY_OIDC_ISSUER") })
    }

    @Test(arguments: ["http://127.0.0.1:8765/o", "http://localhost:9000", "http://[::1]:9000"])
    func plainHTTPIsAcceptedOnLoopback(_ issuer: String) {
        var environment = Self.valid
        environment["LATCHKEY_OIDC_ISSUER"] = issuer
        #expect(load(environment).problems.isEmpty)
    }

    @Test func everyMissingPieceIsNamedAndTheSecretIsNeverEchoed() {
        let loaded = load(["LATCHKEY_OIDC_CLIENT_SECRET": "bad\u{1}secret-value", "LATCHKEY_OIDC_ADMIN_CLAIM": "=x"])
        let text = loaded.problems.joined(separator: "\n")
        for name in ["LATCHKEY_OIDC_ISSUER", "LATCHKEY_OIDC_CLIENT_ID", "LATCHKEY_OIDC_CLIENT_SECRET", "LATCHKEY_OIDC_ALLOWED_DOMAINS", "LATCHKEY_OIDC_ADMIN_CLAIM"] {
            #expect(text.contains(name), "\(name) not named in: \(text)")
        }
        #expect(!text.contains("secret-value"))
    }

    @Test func anyDomainMustBeAskedForWithAStar() throws {
        var environment = Self.valid
        environment["LATCHKEY_OIDC_ALLOWED_DOMAINS"] = "*"
        let settings = try #require(load(environment).settings)
        #expect(settings.allowedDomains == nil && settings.allows(email: "someone@anywhere.test"))
        environment["LATCHKEY_OIDC_ALLOWED_DOMAINS"] = "acme.test, not a domain!"
        #expect(load(environment).problems.count == 1)
    }

    @Test func theAllowListMatchesTheWholeDomainOnly() throws {
        let settings = try #require(load(Self.valid).settings)
        #expect(settings.allows(email: "ada@acme.test") && settings.allows(email: "ada@ACME.example"))
        #expect(!settings.allows(email: "ada@evil-acme.test") && !settings.allows(email: "ada@sub.acme.test")
                && !settings.allows(email: "ada@acme.test.evil.example") && !settings.allows(email: "acme.test"))
    }

    @Test func passwordSignInCanBeTurnedOffOnlyWithSSO() {
        var environment = Self.valid
        environment["LATCHKEY_PASSWORD_SIGNIN"] = "off"
        let loaded = load(environment)
        #expect(loaded.problems.isEmpty && !loaded.passwordSignIn)
        #expect(load(["LATCHKEY_PASSWORD_SIGNIN": "off"]).problems.count == 1)
        #expect(load(["LATCHKEY_PASSWORD_SIGNIN": "maybe"]).problems.count == 1)
    }

    @Test func theServerConfigurationCarriesTheSettings() throws {
        var environment = Self.valid
        environment["LATCHKEY_PROVIDERS_DIR"] = FileManager.default.temporaryDirectory.path
        environment["LATCHKEY_PASSWORD_SIGNIN"] = "off"
        let configuration = try ConfigurationLoader(environment: environment).load(.init())
        #expect(configuration.oidc?.clientID == "latchkey" && !configuration.passwordSignIn)
        environment["LATCHKEY_OIDC_ISSUER"] = "http://login.acme.test"
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader(environment: environment).load(.init()) }
    }
}

/// `LATCHKEY_OIDC_ADMIN_CLAIM`: NAME=VALUE (string or array member), NAME (boolean true), dotted paths.
@Suite struct AdminClaimTests {
    @Test func aGroupInAnArrayOrAnEqualStringMakesAnAdmin() throws {
        let claim = try #require(AdminClaim.parse("groups=latchkey-admins"))
        #expect(claim.holds(in: ["groups": .array([.string("staff"), .string("latchkey-admins")])]))
        #expect(claim.holds(in: ["groups": .string("latchkey-admins")]))
        #expect(!claim.holds(in: ["groups": .array([.string("latchkey-admins-not")])]))
        #expect(!claim.holds(in: ["groups": .string("staff")]))
        #expect(!claim.holds(in: [:]))
    }

    @Test func aBareNameNeedsABooleanTrue() throws {
        let claim = try #require(AdminClaim.parse("latchkey_admin"))
        #expect(claim.holds(in: ["latchkey_admin": .bool(true)]))
        #expect(!claim.holds(in: ["latchkey_admin": .bool(false)]))
        #expect(!claim.holds(in: ["latchkey_admin": .number(1)]))
        #expect(!claim.holds(in: ["latchkey_admin": .string("true")]))
    }

    @Test func aDottedNameWalksNestedObjects() throws {
        let claim = try #require(AdminClaim.parse("realm_access.roles=admin"))
        #expect(claim.holds(in: ["realm_access": .object(["roles": .array([.string("admin")])])]))
        #expect(!claim.holds(in: ["realm_access.roles": .array([.string("admin")])]))
    }

    @Test(arguments: ["", "=admin", "groups=", "a..b=x", "gr oups=x"])
    func malformedSettingsAreRefused(_ text: String) {
        #expect(AdminClaim.parse(text) == nil)
    }
}
