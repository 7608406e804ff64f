import Synchronization

/// The remote MCP servers users added, as providers, kept in memory beside the catalog: loaded from the store at
/// start, changed by this process's writes at once and reloaded periodically for other processes' writes.
public final class ProviderOverlay: Sendable {
    private let byID = Mutex<[String: Provider]>([:])

    public init() {}

    /// The user provider `id`, if any.
    public func provider(_ id: String) -> Provider? { byID.withLock { $0[id] } }

    /// Everything `ownerID` added.
    public func owned(by ownerID: String) -> [Provider] { byID.withLock { Array($0.values.filter { $0.ownerID == ownerID }) } }

    /// Replaces every entry (a reload from the store).
    public func replace(with providers: [Provider]) {
        var fresh: [String: Provider] = [:]
        for provider in providers { fresh[provider.id] = provider }
        byID.withLock { $0 = fresh }
    }

    public func add(_ provider: Provider) { byID.withLock { $0[provider.id] = provider } }
    public func remove(id: String) { byID.withLock { $0[id] = nil } }
}
