import LatchkeyCore
import Testing

@Suite struct BindingPolicyTests {
    static func readOnly() throws -> BindingPolicy {
        BindingPolicy(methods: ["GET"], paths: [try PathPattern("/repos/acme/**"), try PathPattern("/user")])
    }

    @Test(arguments: ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    func readOnlyBindingRefusesWrites(_ method: String) throws {
        guard case .denied = try Self.readOnly().decide(method: method, rawPath: "/repos/acme/widgets") else {
            Issue.record("\(method) passed a GET-only policy"); return
        }
    }

    @Test func readOnlyBindingAllowsReadsUnderItsPatterns() throws {
        let policy = try Self.readOnly()
        for path in ["/repos/acme", "/repos/acme/", "/repos/acme/widgets", "/repos/acme/widgets/issues/1", "/user", "/rep%6Fs/acme/x"] {
            #expect(policy.decide(method: "GET", rawPath: path) == .allowed, "GET \(path)")
            #expect(policy.decide(method: "HEAD", rawPath: path) == .allowed, "HEAD \(path)")
        }
    }

    /// Encoded, case and Unicode variants of an allowed path must not reach a path outside the patterns.
    @Test(arguments: [
        "/repos/acme%2F..%2Fother/x", "/repos/ACME/x", "/Repos/acme/x", "/repos/acm%65x/y", "/repos/acme;x=1/y", "/repos/acmeX/y",
        "/repos/%61cme%2Fx", "/repos/ａcme/x", "/repos/%EF%BD%81cme/x", "/repos/acme%00/x", "/repos", "/repos/other/acme",
        "/users", "/user/keys", "", "/", "/repos//acme/x", "/repos/acme/../other",
    ])
    func variantsOutsideThePatternsAreRefused(_ path: String) throws {
        let decision = try Self.readOnly().decide(method: "GET", rawPath: path)
        // `/repos/%61cme%2Fx` decodes to /repos/acme/x, which the pattern covers: the only variant that may pass.
        if path == "/repos/%61cme%2Fx" { #expect(decision == .allowed); return }
        guard case .denied = decision else { Issue.record("GET \(path) passed: \(decision)"); return }
    }

    @Test func singleStarIsOneSegmentAndDoubleStarAnyNumber() throws {
        let policy = BindingPolicy(paths: [try PathPattern("/a/*/c"), try PathPattern("/x/**/z")])
        #expect(policy.decide(method: "GET", rawPath: "/a/b/c") == .allowed)
        #expect(policy.decide(method: "GET", rawPath: "/a/b%2Fb/c") != .allowed)
        #expect(policy.decide(method: "GET", rawPath: "/a/c") != .allowed)
        #expect(policy.decide(method: "GET", rawPath: "/x/z") == .allowed)
        #expect(policy.decide(method: "GET", rawPath: "/x/1/2/3/z") == .allowed)
        #expect(policy.decide(method: "GET", rawPath: "/x/1/2/3/z/4") != .allowed)
    }

    /// Approval rules catch every spelling a provider may read as the same path (case, `;params`, fullwidth).
    @Test(arguments: ["/repos/acme/x", "/REPOS/acme/x", "/repos;v=1/acme/x", "/%72epos/acme/x", "/ｒepos/acme/x", "/repos%2Facme/x"])
    func approvalRulesCatchVariants(_ path: String) throws {
        let policy = BindingPolicy(approve: [ApprovalRule(methods: ["DELETE"], paths: [try PathPattern("/repos/**")])])
        #expect(policy.decide(method: "DELETE", rawPath: path) == .needsApproval(rule: 0), "DELETE \(path)")
        #expect(policy.decide(method: "GET", rawPath: path) == .allowed)
    }

    @Test func approvalRuleLetsThroughWhatTheAllowListRefuses() throws {
        let policy = BindingPolicy(methods: ["GET"], approve: [ApprovalRule(methods: ["POST"], paths: [try PathPattern("/issues")])])
        #expect(policy.decide(method: "POST", rawPath: "/issues") == .needsApproval(rule: 0))
        #expect(policy.decide(method: "POST", rawPath: "/pulls") != .allowed)
    }

    @Test func toolsAreListedByBareName() {
        let policy = BindingPolicy(tools: ["list_repos"])
        #expect(policy.allows(tool: "list_repos"))
        #expect(!policy.allows(tool: "request"))
        #expect(BindingPolicy().allows(tool: "request"))
    }

    @Test(arguments: ["repos", "/a/b*", "/a/../b", "/a//b", "/a?x=1", "/a%zz", "/a#x"])
    func badPatternsAreRefused(_ text: String) {
        #expect(throws: LatchkeyError.self) { try PathPattern(text) }
    }

    @Test func validationNamesTheField() throws {
        #expect(throws: LatchkeyError.validationFailed(field: "policy.methods", message: "'TRACE' is not a method Latchkey forwards; use DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT")) {
            try BindingPolicy(methods: ["TRACE"]).validated(tools: [])
        }
        #expect(throws: LatchkeyError.self) { try BindingPolicy(tools: ["nope"]).validated(tools: ["request"]) }
        #expect(try BindingPolicy(methods: ["get", "GET"]).validated(tools: []).methods == ["GET"])
    }
}
