import Foundation

/// Users' own remote MCP servers: added by URL, checked (https, a public address unless the operator allows private
/// ones, an id no catalog provider or other server has), kept beside the catalog, deleted only when unused.
public struct UserProviderService: Sendable {
    let store: any Store
    let catalog: Catalog
    let clock: any WallClock
    let audit: AuditLog
    let allowPrivate: Bool
    /// Refuses a host that is not at a public address (resolving it); the server supplies it.
    let checkAddress: @Sendable (_ host: String, _ port: Int) async throws -> Void
    /// The most servers one user may add.
    public static let perUser = 50

    public init(store: any Store, catalog: Catalog, clock: any WallClock, allowPrivate: Bool,
                checkAddress: @escaping @Sendable (_ host: String, _ port: Int) async throws -> Void) {
        self.store = store
        self.catalog = catalog
        self.clock = clock
        self.audit = AuditLog(store: store, clock: clock)
        self.allowPrivate = allowPrivate
        self.checkAddress = checkAddress
    }

    /// What a user asks to add.
    public struct Input: Sendable {
        public var id: String
        public var name: String
        public var url: String
        public var auth: UserProvider.Auth
        public init(id: String, name: String, url: String, auth: UserProvider.Auth) {
            self.id = id
            self.name = name
            self.url = url
            self.auth = auth
        }
    }

    /// Adds the server; its provider. Nothing is stored unless every check passes.
    public func add(user: User, _ input: Input) async throws -> Provider {
        guard input.id.utf8.count <= 64, let first = input.id.utf8.first, first != UInt8(ascii: "-"),
              input.id.utf8.allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") })
        else { throw LatchkeyError.validationFailed(field: "id", message: "'id' is 1 to 64 of a-z, 0-9 and '-', not starting with '-'") }
        let name = try CredentialService.validName(input.name)
        let url = try checkedURL(input.url)
        if case .header(let header) = input.auth {
            guard !header.isEmpty, header.utf8.count <= 64, HeaderRules.isInjectable(header),
                  header.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && !"()<>@,;:\\\"/[]?={}".utf8.contains($0) })
            else { throw LatchkeyError.validationFailed(field: "auth.header", message: "'auth.header' must be a header name a provider may set (not Host, Cookie, …)") }
        }
        guard catalog.providers[input.id] == nil else { throw LatchkeyError.conflict("'\(input.id)' is a provider of the catalog; choose another id") }
        guard catalog.overlay.owned(by: user.id).count < Self.perUser else { throw Quotas.reached("remote MCP servers", Self.perUser) }
        if let components = URLComponents(string: url), let host = components.host {
            do { try await checkAddress(host, components.port ?? (components.scheme == "https" ? 443 : 80)) } catch {
                throw LatchkeyError.validationFailed(field: "mcp.url", message: "\(host) is not at a public address; an operator may allow private ones with LATCHKEY_ALLOW_PRIVATE_UPSTREAMS")
            }
        }
        let record = UserProvider(id: input.id, ownerID: user.id, name: name, url: url, auth: input.auth, createdAt: clock.now)
        guard let provider = record.provider else { throw LatchkeyError.validationFailed(field: "mcp.url", message: "'mcp.url' is not a usable URL") }
        do { try await store.createUserProvider(record) } catch StoreError.conflict {
            throw LatchkeyError.conflict("the provider id '\(input.id)' is taken; choose another")
        }
        catalog.overlay.add(provider)
        try await audit.record(ownerID: user.id, actor: "user:\(user.id)", action: "provider.added", targetType: "provider", targetID: input.id, detail: ["auth": record.authText])
        return provider
    }

    /// Deletes the user's server; refused while a credential of theirs uses it.
    public func delete(user: User, id: String) async throws {
        guard let provider = catalog.overlay.provider(id), provider.ownerID == user.id else { throw LatchkeyError.notFound("provider '\(id)'") }
        if try await store.credentials(ownerID: user.id).contains(where: { $0.provider == id }) {
            throw LatchkeyError.conflict("credentials of '\(id)' exist; delete them first")
        }
        guard try await store.deleteUserProvider(id: id, ownerID: user.id) else { throw LatchkeyError.notFound("provider '\(id)'") }
        catalog.overlay.remove(id: id)
        try await audit.record(ownerID: user.id, actor: "user:\(user.id)", action: "provider.deleted", targetType: "provider", targetID: id, detail: [:])
    }

    /// Reloads every user's servers from the store (other processes' additions and deletions).
    public func reload() async throws {
        catalog.overlay.replace(with: try await store.userProviders().compactMap(\.provider))
    }

    /// https (http only for a local host when private addresses are allowed), no user information, query or fragment.
    func checkedURL(_ text: String) throws(LatchkeyError) -> String {
        guard text.utf8.count <= 2048, let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty, components.user == nil, components.password == nil,
              components.query == nil, components.fragment == nil, !text.contains("{{")
        else { throw .validationFailed(field: "mcp.url", message: "'mcp.url' must be an absolute https URL without user, query or fragment") }
        guard scheme == "https" || (scheme == "http" && allowPrivate && URLRules.isLocalHost(host)) else {
            throw .validationFailed(field: "mcp.url", message: "'mcp.url' must use https")
        }
        return text
    }
}
