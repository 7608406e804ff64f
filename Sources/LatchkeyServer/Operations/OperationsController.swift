import Hummingbird
import LatchkeyCore

/// `/healthz`, `/readyz` and `/metrics`.
struct OperationsController {
    let store: any Store
    let catalog: Catalog

    func register(on router: Router<AppRequestContext>) {
        router.get("healthz") { _, _ in JSONOutput.response(["status": "ok"]) }
        router.get("readyz") { _, _ in
            guard await store.ping() else {
                return JSONOutput.response(["status": "unavailable", "reason": "the database does not answer"], status: .serviceUnavailable)
            }
            return JSONOutput.response(["status": "ready", "providers": "\(catalog.providers.count)"])
        }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: PrometheusSetup.registry.emitToBuffer())))
        }
    }
}
