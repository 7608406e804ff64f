import Foundation

/// What a group may spend: call limits per window, a cap on concurrent calls and an expiry after which its keys stop
/// working. The empty budget limits nothing.
public struct Budget: Sendable, Equatable, Codable {
    /// Call limits; each applies on its own (a call must fit all that apply to it).
    public var limits: [BudgetLimit]
    /// The most calls in flight at once on one server; nil for no cap.
    public var maxConcurrent: Int?
    /// When the group's keys stop working; nil for never.
    public var expiresAt: Date?

    public init(limits: [BudgetLimit] = [], maxConcurrent: Int? = nil, expiresAt: Date? = nil) {
        self.limits = limits
        self.maxConcurrent = maxConcurrent
        self.expiresAt = expiresAt
    }

    /// Whether nothing is limited.
    public var isEmpty: Bool { limits.isEmpty && maxConcurrent == nil && expiresAt == nil }

    /// Whether the group's keys have stopped working at `now`.
    public func isExpired(at now: Date) -> Bool { expiresAt.map { $0 <= now } ?? false }

    /// The most limits one budget may hold.
    public static let maxLimits = 32

    enum CodingKeys: String, CodingKey {
        case limits
        case maxConcurrent = "max_concurrent"
        case expiresAt = "expires_at"
    }

    // Stored as JSON with the expiry in seconds since 1970, whatever the encoder's date strategy.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        limits = try container.decodeIfPresent([BudgetLimit].self, forKey: .limits) ?? []
        maxConcurrent = try container.decodeIfPresent(Int.self, forKey: .maxConcurrent)
        expiresAt = try container.decodeIfPresent(Double.self, forKey: .expiresAt).map(Date.init(timeIntervalSince1970:))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(limits, forKey: .limits)
        try container.encodeIfPresent(maxConcurrent, forKey: .maxConcurrent)
        try container.encodeIfPresent(expiresAt?.timeIntervalSince1970, forKey: .expiresAt)
    }

    /// Checks what an owner submits: every problem names its field.
    public func validated(isProvider: (String) -> Bool) throws(LatchkeyError) -> Budget {
        guard limits.count <= Self.maxLimits else { throw .validationFailed(field: "limits", message: "at most \(Self.maxLimits) limits") }
        var seen = Set<String>()
        for (index, limit) in limits.enumerated() {
            if let provider = limit.provider, !isProvider(provider) {
                throw .validationFailed(field: "limits[\(index)].provider", message: "'\(provider.prefix(64))' is not a provider in this deployment's catalog")
            }
            guard limit.calls >= 0, limit.calls <= 1_000_000_000 else {
                throw .validationFailed(field: "limits[\(index)].calls", message: "'calls' must be between 0 and 1000000000")
            }
            guard seen.insert("\(limit.scope) \(limit.per.rawValue)").inserted else {
                throw .validationFailed(field: "limits[\(index)]", message: "there is already a limit per \(limit.per.rawValue) for \(limit.provider ?? "all providers")")
            }
        }
        if let maxConcurrent, !(1...10_000).contains(maxConcurrent) {
            throw .validationFailed(field: "max_concurrent", message: "'max_concurrent' must be between 1 and 10000, or null")
        }
        return self
    }
}
