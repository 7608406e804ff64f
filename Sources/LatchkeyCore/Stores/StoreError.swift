/// Store failures that callers act on.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A unique constraint refused the write; the associated value names what was duplicated.
    case conflict(String)
    /// The database could not be reached or used; the reason carries no secret.
    case unavailable(String)

    public var description: String {
        switch self {
        case .conflict(let what): "already exists: \(what)"
        case .unavailable(let reason): "database unavailable: \(reason)"
        }
    }
}
