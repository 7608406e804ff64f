import AsyncHTTPClient
import Foundation
import LatchkeyCore
import Logging
import NIOCore
import ServiceLifecycle

/// Sends the webhook outbox: claims due deliveries under a lease (so no two servers send one at once), POSTs each
/// with Standard Webhooks headers, and writes back delivered, retry-at or failed. A server killed mid-delivery
/// leaves the delivery pending; once its lease runs out another server (or this one restarted) sends it again, so
/// delivery is at least once, with the same `webhook-id`.
struct WebhookSender: Service {
    let store: any Store
    let sealer: Sealer
    let upstream: UpstreamClient
    let clock: any WallClock
    let policy: WebhookRetryPolicy
    /// How long one POST may take, in seconds.
    let timeout: Int
    let logger: Logger
    /// This process's lease owner name.
    let owner = Identifier.make("sender")
    /// Deliveries sent at once (each of another endpoint or ordering key).
    static let batch = 16
    /// The wait when nothing is due.
    static let idle: Duration = .milliseconds(500)
    /// The wait after the database failed, so an outage is not logged twice a second.
    static let afterError: Duration = .seconds(5)

    /// Longer than any POST, so a lease runs out only when its holder died or lost the database.
    var lease: TimeInterval { TimeInterval(timeout * 2 + 5) }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var pause = Self.idle
            do {
                // Straight on while there is work: the next delivery of an ordering key becomes due as the last settles.
                if try await pass() > 0 { continue }
            } catch {
                logger.error("Webhook pass failed", metadata: ["error.type": "\(type(of: error))"])
                pause = Self.afterError
            }
            let wait = pause
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
        }
    }

    /// Claims and sends one batch; how many were claimed.
    func pass() async throws -> Int {
        let now = clock.now
        let claimed = try await store.claimWebhookDeliveries(owner: owner, until: now.addingTimeInterval(lease), now: now, limit: Self.batch)
        await withTaskGroup(of: Void.self) { group in
            for delivery in claimed { group.addTask { await send(delivery) } }
        }
        return claimed.count
    }

    /// One attempt of one delivery, and its outcome written back under the lease.
    func send(_ delivery: WebhookDelivery) async {
        var httpStatus: Int?
        var failure: String?
        do {
            httpStatus = try await post(delivery)
        } catch let error as UpstreamAddressGuard.Refusal {
            failure = error == .notPublic ? "the endpoint is not at a public address" : "the endpoint's host does not resolve"
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            failure = "timeout"
        } catch WebhookSendError.endpointGone {
            return
        } catch WebhookSendError.unusableSecret {
            failure = "the signing secret cannot be opened"
        } catch {
            failure = "unreachable"
        }
        let attempt = policy.outcome(of: delivery, httpStatus: httpStatus, error: failure, now: clock.now)
        do {
            if try await !store.finishWebhookDelivery(id: delivery.id, owner: owner, attempt) {
                logger.warning("Webhook result discarded: lease lost", metadata: ["delivery": "\(delivery.id)"])
            }
        } catch {
            logger.error("Webhook result not written; it is sent again when the lease ends", metadata: ["delivery": "\(delivery.id)", "error.type": "\(type(of: error))"])
        }
        if attempt.status == .failed {
            logger.warning("Webhook delivery given up", metadata: ["delivery": "\(delivery.id)", "endpoint": "\(delivery.endpointID)", "attempts": "\(delivery.attempts)"])
        }
    }

    /// POSTs the delivery, signed; the endpoint's status code.
    func post(_ delivery: WebhookDelivery) async throws -> Int {
        guard let endpoint = try await store.webhookEndpoint(id: delivery.endpointID) else { throw WebhookSendError.endpointGone }
        let timestamp = Int(clock.now.timeIntervalSince1970)
        guard let secret = try? await sealer.open(endpoint.secret, recordID: endpoint.id, field: WebhookEndpoint.secretField),
              let signature = WebhookSignature.sign(id: delivery.id, timestamp: timestamp, body: delivery.payload, secret: secret)
        else { throw WebhookSendError.unusableSecret }
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Latchkey-Webhooks")
        request.headers.add(name: "webhook-id", value: delivery.id)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        request.headers.add(name: "webhook-signature", value: signature)
        request.body = .bytes(ByteBuffer(string: delivery.payload))
        // The endpoint's address is vetted again now (unless private addresses are allowed): DNS may have changed
        // since it was registered.
        let http = try await upstream.client(for: endpoint.url, publicAddressOnly: true)
        let response = try await http.execute(request, timeout: .seconds(Int64(timeout)))
        _ = try? await response.body.collect(upTo: 64 * 1024)
        return Int(response.status.code)
    }
}

/// Why a delivery was not even sent.
enum WebhookSendError: Error {
    /// The endpoint was deleted, its deliveries with it: nothing to write back.
    case endpointGone
    /// The sealed secret does not open (a lost data key): the attempt fails like any other.
    case unusableSecret
}
