import Foundation
import LatchkeyCore
import Synchronization

/// The provider's discovery document, kept for an hour by each process.
final class MetadataCache: Sendable {
    private let entry = Mutex<(metadata: AuthorizationServerMetadata, fetched: Date)?>(nil)
    static let lifetime: TimeInterval = 3600

    /// The cached document, while it is fresh.
    func get(now: Date) -> AuthorizationServerMetadata? {
        entry.withLock { cached in
            guard let cached, now.timeIntervalSince(cached.fetched) < Self.lifetime else { return nil }
            return cached.metadata
        }
    }

    /// Keeps a document just fetched.
    func put(_ metadata: AuthorizationServerMetadata, now: Date) {
        entry.withLock { $0 = (metadata, now) }
    }
}
