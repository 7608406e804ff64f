import Foundation
import Hummingbird
import LatchkeyCore

/// `/healthz`, `/readyz` and `/metrics`.
struct OperationsController {
    let store: any Store
    let catalog: Catalog
    let metricsToken: String?
    let trustedProxies: TrustedProxies

    func register(on router: Router<AppRequestContext>) {
        router.get("healthz") { _, _ in JSONOutput.response(["status": "ok"]) }
        router.get("readyz") { _, _ in
            guard await store.ping() else {
                return JSONOutput.response(["status": "unavailable", "reason": "the database does not answer"], status: .serviceUnavailable)
            }
            return JSONOutput.response(["status": "ready", "providers": "\(catalog.providers.count)"])
        }
        router.get("metrics") { request, context in
            try authorizeMetrics(request, context: context)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: PrometheusSetup.registry.emitToBuffer())))
        }
    }

    /// With `LATCHKEY_METRICS_TOKEN`, `/metrics` wants that bearer token (compared in constant time); without one it
    /// answers clients on this machine's loopback only, since the figures describe who uses which provider.
    private func authorizeMetrics(_ request: Request, context: AppRequestContext) throws {
        if let metricsToken {
            let presented = BearerToken.from(request) ?? ""
            guard SecretToken.constantTimeEquals(Data(presented.utf8), Data(metricsToken.utf8)) else {
                throw APIError(.unauthorized, "unauthorized", "/metrics needs the bearer token set in LATCHKEY_METRICS_TOKEN")
            }
            return
        }
        guard TrustedProxies.isLoopback(trustedProxies.client(of: request, context: context)) else {
            throw APIError(.forbidden, "forbidden", "/metrics answers loopback clients only; set LATCHKEY_METRICS_TOKEN to read it from elsewhere")
        }
    }
}
