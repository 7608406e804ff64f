/// The validated set of providers a server knows.
public struct Catalog: Sendable {
    /// Providers by id.
    public let providers: [String: Provider]

    /// Creates a catalog from validated providers.
    public init(providers: [Provider]) {
        var byID: [String: Provider] = [:]
        for provider in providers { byID[provider.id] = provider }
        self.providers = byID
    }

    /// The provider with `id`, if any.
    public func provider(_ id: String) -> Provider? { providers[id] }

    /// All providers, sorted by id.
    public var all: [Provider] { providers.values.sorted { $0.id < $1.id } }
}
