/// One row of the access change log: something a remembered resolution (`AccessCache`) may have answered from
/// changed, written by the database in the same transaction as the change itself, so that every server can forget
/// what it remembers of it (`AccessChangeWatcher`).
public struct AccessChange: Sendable, Equatable {
    /// What changed, and so which remembered resolutions go.
    public enum Kind: String, Sendable {
        /// A credential (`target`: its id) was updated, refreshed, reconnected, failed or deleted.
        case credential
        /// An agent key (`target`: its lookup prefix) was revoked.
        case agentKey = "agent_key"
        /// A group (`target`: its id), one of its bindings, their policies or its budget changed, or it was deleted.
        case group
        /// Anything else that may change an answer (a data key added, rewrapped or retired): forget everything.
        case everything
    }

    /// The log's order; ids are unique and increase, but may commit out of order (see `AccessChangeWatcher`).
    public var id: Int64
    public var kind: Kind
    public var target: String

    public init(id: Int64, kind: Kind, target: String) {
        self.id = id
        self.kind = kind
        self.target = target
    }

    /// A row as the database holds it; a kind this version does not know (written by a newer one) forgets everything.
    public init(id: Int64, kind: String, target: String) {
        self.init(id: id, kind: Kind(rawValue: kind) ?? .everything, target: target)
    }
}
