import Foundation
import HTTPTypes
import HummingbirdTesting
import LatchkeyCore
import Logging
import Testing
@testable import LatchkeyServer

@Suite struct WebhookSenderTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    /// An endpoint at `url` stored directly (as if its host resolved to a public address at registration), and one
    /// `credential.deleted` event for it.
    func endpointWithOneEvent(_ environment: TestEnvironment, url: String) async throws -> WebhookEndpoint {
        let store = environment.runtime.store
        _ = try await environment.user("owner@example.com")
        let owner = try #require(try await store.user(email: "owner@example.com"))
        let id = Identifier.make("whe")
        let endpoint = WebhookEndpoint(id: id, ownerID: owner.id, url: url, events: ["credential.deleted"],
                                       secret: try await environment.runtime.sealer.seal(Self.secret, recordID: id, field: WebhookEndpoint.secretField),
                                       createdAt: Date())
        try await store.createWebhookEndpoint(endpoint)
        try await AuditLog(store: store, clock: SystemClock()).record(ownerID: owner.id, actor: "user:\(owner.id)", action: "credential.deleted",
                                                                       targetType: "credential", targetID: "crd_1", detail: ["provider": "echo"])
        return endpoint
    }

    /// Runs `body` with a sender over the environment's store, and closes its HTTP client afterwards.
    func withSender(_ environment: TestEnvironment, allowPrivate: Bool, _ body: (WebhookSender) async throws -> Void) async throws {
        let upstream = UpstreamClient(connectTimeout: 2, readTimeout: 5, allowPrivateUpstreams: allowPrivate)
        let sender = WebhookSender(store: environment.runtime.store, sealer: environment.runtime.sealer, upstream: upstream, clock: SystemClock(),
                                   policy: WebhookRetryPolicy(), timeout: 5, logger: Logger(label: "test"))
        do { try await body(sender) } catch {
            await upstream.shutdown()
            throw error
        }
        await upstream.shutdown()
    }

    @Test func aDeliveryCarriesAStandardWebhooksSignatureAndIsMarkedDelivered() async throws {
        let recorder = Recorder()
        let environment = try await TestEnvironment()
        try await Upstream.application(recorder: recorder).test(.live) { upstream in
            let port = try #require(upstream.port)
            let endpoint = try await endpointWithOneEvent(environment, url: "http://127.0.0.1:\(port)/hooks")
            try await withSender(environment, allowPrivate: true) { sender in
                #expect(try await sender.pass() == 1)
                let seen = try #require(await recorder.requests.first)
                let id = try #require(seen.headers[HTTPField.Name("webhook-id")!])
                let timestamp = try #require(seen.headers[HTTPField.Name("webhook-timestamp")!].flatMap(Int.init))
                let body = try #require(String(data: seen.body, encoding: .utf8))
                #expect(seen.method == "POST" && seen.uri == "/hooks")
                #expect(seen.headers[HTTPField.Name("webhook-signature")!] == WebhookSignature.sign(id: id, timestamp: timestamp, body: body, secret: Self.secret))
                #expect(body.contains(#""type":"credential.deleted""#) && !body.contains(Self.secret))
                let delivery = try #require(try await environment.runtime.store.webhookDelivery(id: id, endpointID: endpoint.id))
                #expect(delivery.status == .delivered && delivery.attempts == 1 && delivery.lastStatus == 200)
                #expect(try await sender.pass() == 0, "nothing is sent twice")
            }
        }
    }

    /// DNS may change after registration: the address is checked again at every attempt.
    @Test func anEndpointThatNowResolvesToAPrivateAddressIsNotContacted() async throws {
        let recorder = Recorder()
        let environment = try await TestEnvironment()
        try await Upstream.application(recorder: recorder).test(.live) { upstream in
            let port = try #require(upstream.port)
            let endpoint = try await endpointWithOneEvent(environment, url: "http://127.0.0.1:\(port)/hooks")
            try await withSender(environment, allowPrivate: false) { sender in
                let sent = try await sender.pass()
                #expect(sent == 1)
            }
            #expect(await recorder.requests.isEmpty)
            let delivery = try #require(try await environment.runtime.store.webhookDeliveries(endpointID: endpoint.id, after: nil, limit: 1).first)
            #expect(delivery.status == .pending && delivery.attempts == 1)
            #expect(delivery.lastError == "the endpoint is not at a public address")
        }
    }
}
