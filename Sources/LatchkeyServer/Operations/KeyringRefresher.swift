import LatchkeyCore
import Logging
import ServiceLifecycle

/// Keeps a server's keyring current: every `Sealer.activeKeyTTL` seconds it loads data keys added by another
/// process (`keys rotate`) and unwraps them while its master key still can. `keys rotate-master` waits that long
/// before rewrapping, so every running server holds every data key, unwrapped, when the old master key stops
/// opening them, and keeps working until it is restarted with the new one.
struct KeyringRefresher: Service {
    let sealer: Sealer
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do { try await sealer.reload() } catch {
                // After a master-key rotation a key added later cannot be unwrapped with this process's old key.
                logger.warning("Could not reload the data keys", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(Sealer.activeKeyTTL)) }
        }
    }
}
