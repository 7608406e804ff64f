/// The validated set of providers a server knows: the catalog's files, and beside them the remote MCP servers users
/// added for themselves (`overlay`, shared by every copy of the catalog in the process).
public struct Catalog: Sendable {
    /// Providers by id.
    public let providers: [String: Provider]
    /// Users' own providers; a catalog id always wins over one of them.
    public let overlay = ProviderOverlay()

    /// Creates a catalog from validated providers.
    public init(providers: [Provider]) {
        var byID: [String: Provider] = [:]
        for provider in providers { byID[provider.id] = provider }
        self.providers = byID
    }

    /// The provider with `id`, if any: the catalog's, else a user's (agents reach a user's only through its owner's
    /// bindings; people reach it through `provider(_:visibleTo:)`).
    public func provider(_ id: String) -> Provider? { providers[id] ?? overlay.provider(id) }

    /// The provider with `id` if `userID` may see it: the catalog's, or their own.
    public func provider(_ id: String, visibleTo userID: String) -> Provider? {
        guard let provider = provider(id), provider.ownerID == nil || provider.ownerID == userID else { return nil }
        return provider
    }

    /// All providers of the catalog, sorted by id.
    public var all: [Provider] { providers.values.sorted { $0.id < $1.id } }

    /// The catalog's providers and `userID`'s own, sorted by id.
    public func all(visibleTo userID: String) -> [Provider] {
        (providers.values + overlay.owned(by: userID).filter { providers[$0.id] == nil }).sorted { $0.id < $1.id }
    }
}
