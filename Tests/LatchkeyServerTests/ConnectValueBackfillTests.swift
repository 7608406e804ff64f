import Foundation
import LatchkeyCore
import Synchronization
import Testing

/// A credential stored without a connect value its provider now declares learns it on first use, once.
@Suite struct ConnectValueBackfillTests {
    /// The provider's follow-up endpoint: answers `answer` after `delay`, counting the requests.
    final class Remote: TokenHTTPClient, Sendable {
        let answer: @Sendable () throws -> TokenHTTPResponse
        let delay: Duration
        private let sent = Mutex<[String]>([])
        init(delay: Duration = .zero, _ answer: @escaping @Sendable () throws -> TokenHTTPResponse) {
            self.answer = answer
            self.delay = delay
        }

        var requests: [String] { sent.withLock { $0 } }

        func postForm(url: String, form: [(String, String)], headers: [(String, String)]) async throws -> TokenHTTPResponse {
            Issue.record("no token request is expected")
            return TokenHTTPResponse(status: 500, contentType: nil, body: Data())
        }

        func send(method: String, url: String, body: Data?, headers: [(String, String)], publicAddressOnly: Bool) async throws -> TokenHTTPResponse {
            sent.withLock { $0.append(url + " " + (headers.first { $0.0 == "Authorization" }?.1 ?? "")) }
            try await Task.sleep(for: delay)
            return try answer()
        }

        static func json(_ status: Int, _ text: String) -> TokenHTTPResponse {
            TokenHTTPResponse(status: status, contentType: "application/json", body: Data(text.utf8))
        }
    }

    static let tenant = "5a3e9e2b-1f0c-4c55-9a1e-0d6f3c2b9a01"

    struct Setup {
        let env: TestEnvironment
        let provider: Provider
        let credential: Credential
        let backfill: ConnectValueBackfill

        func stored() async throws -> Credential { try #require(try await env.runtime.store.credential(id: credential.id)) }
    }

    /// A provider learning `tenant_id` from a follow-up GET (and, when `alsoFromCallback`, `realm_id` from the
    /// callback), and a credential of it stored without them, as one connected before they were declared.
    func setup(_ remote: Remote, alsoFromCallback: Bool = false) async throws -> Setup {
        let env = try await TestEnvironment()
        let dir = env.directory.appendingPathComponent("backfill-providers")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try """
        name: Tenants
        auth:
          mode: oauth2
          authorization_url: https://auth.example.com/authorize
          token_url: https://auth.example.com/token
          connect_values:
            - {name: tenant_id, from: request, url: "https://api.example.com/connections", headers: {Authorization: "Bearer {{access_token}}"}, path: "[0].tenantId", pattern: "^[0-9a-f-]{36}$"}
        \(alsoFromCallback ? "    - {name: realm_id, from: callback_query, param: realmId}" : "")
        proxy:
          base_url: https://api.example.com
          inject: {headers: {Authorization: "Bearer {{access_token}}", Tenant: "{{tenant_id}}"}}
        """.write(to: dir.appendingPathComponent("tenants.yaml"), atomically: true, encoding: .utf8)
        let provider = try #require(try CatalogLoader.load([CatalogSource(directory: dir.path, strict: false)]).provider("tenants"))
        let owner = try await env.runtime.users.add(email: "owner@example.com", password: "correct horse battery", role: .admin)
        let now = Date()
        let credential = Credential(id: Identifier.make("crd"), ownerID: owner.id, provider: "tenants", name: "older", authMode: .oauth2,
                                    publicFields: ["note": "kept"], createdAt: now, updatedAt: now)
        try await env.runtime.store.createCredential(credential)
        let backfill = ConnectValueBackfill(store: env.runtime.store, http: remote, clock: SystemClock(), links: env.runtime.links,
                                            cache: AccessCache(ttl: .zero))
        return Setup(env: env, provider: provider, credential: credential, backfill: backfill)
    }

    let values = ["access_token": "at-current"]

    @Test func tenConcurrentFirstUsesLearnOnceAndStoreTheValueBesideTheOthers() async throws {
        let remote = Remote(delay: .milliseconds(200)) { Remote.json(200, #"[{"tenantId":"\#(Self.tenant)"}]"#) }
        let s = try await setup(remote)
        #expect(ConnectValueBackfill.missing(s.provider, values: values).map(\.name) == ["tenant_id"])
        let completed = try await withThrowingTaskGroup(of: Credential.self) { group in
            for _ in 0..<10 { group.addTask { try await s.backfill.completed(s.credential, provider: s.provider, values: values) } }
            return try await group.reduce(into: [Credential]()) { $0.append($1) }
        }
        #expect(remote.requests == ["https://api.example.com/connections Bearer at-current"])
        #expect(completed.allSatisfy { $0.publicFields["tenant_id"] == Self.tenant && $0.version == s.credential.version + 1 })
        let stored = try await s.stored()
        #expect(stored.publicFields == ["note": "kept", "tenant_id": Self.tenant])
        // Complete now: nothing is learnt again.
        _ = try await s.backfill.completed(stored, provider: s.provider, values: values.merging(stored.publicFields) { $1 })
        #expect(remote.requests.count == 1)
    }

    @Test func aValueOnlyTheConnectCouldTellAnswersTheReconnectLinkWithoutARequest() async throws {
        let remote = Remote { Remote.json(200, #"[{"tenantId":"\#(Self.tenant)"}]"#) }
        let s = try await setup(remote, alsoFromCallback: true)
        await #expect(throws: LatchkeyError.credentialNeedsReauth(provider: "tenants", setupURL: s.env.runtime.links.reconnect(credentialID: s.credential.id))) {
            try await s.backfill.completed(s.credential, provider: s.provider, values: values)
        }
        #expect(remote.requests.isEmpty)
        #expect(try await s.stored().version == s.credential.version)
    }

    @Test func aRefusedLearningAnswersTheReconnectLinkAndAPassingFailureAnUnreachableProvider() async throws {
        let refusing = Remote { Remote.json(403, #"{"error":"forbidden"}"#) }
        let s = try await setup(refusing)
        await #expect(throws: LatchkeyError.credentialNeedsReauth(provider: "tenants", setupURL: s.env.runtime.links.reconnect(credentialID: s.credential.id))) {
            try await s.backfill.completed(s.credential, provider: s.provider, values: values)
        }
        for failing in [Remote { Remote.json(503, "{}") }, Remote { throw LatchkeyError.upstreamTimeout }] {
            let backfill = ConnectValueBackfill(store: s.env.runtime.store, http: failing, clock: SystemClock(), links: s.env.runtime.links,
                                                cache: AccessCache(ttl: .zero))
            await #expect(throws: LatchkeyError.upstreamUnreachable("tenants")) {
                try await backfill.completed(s.credential, provider: s.provider, values: values)
            }
        }
        let stored = try await s.stored()
        #expect(stored.version == s.credential.version && stored.publicFields["tenant_id"] == nil && stored.status == .active)
    }
}
