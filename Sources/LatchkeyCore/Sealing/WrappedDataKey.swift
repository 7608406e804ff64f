import Foundation

/// A data key as stored: sealed under the master key, with its version.
public struct WrappedDataKey: Sendable, Equatable {
    /// The version, which every value sealed with this key carries.
    public var version: Int
    /// The key bytes sealed under the master key.
    public var wrapped: Data
    /// Whether new values are sealed with this key.
    public var active: Bool
    /// When the key was created.
    public var createdAt: Date

    /// Creates a record.
    public init(version: Int, wrapped: Data, active: Bool, createdAt: Date) {
        self.version = version
        self.wrapped = wrapped
        self.active = active
        self.createdAt = createdAt
    }
}
