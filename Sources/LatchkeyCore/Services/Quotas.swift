/// How much one user may hold: generous ceilings that keep lists, pages and the database bounded.
public struct Quotas: Sendable, Equatable {
    /// Credentials per user.
    public var credentialsPerUser: Int
    /// Agent groups per user.
    public var groupsPerUser: Int
    /// Agent keys per group.
    public var keysPerGroup: Int

    /// Creates quotas; the defaults are far above what a person manages by hand.
    public init(credentialsPerUser: Int = 10_000, groupsPerUser: Int = 1_000, keysPerGroup: Int = 1_000) {
        self.credentialsPerUser = credentialsPerUser
        self.groupsPerUser = groupsPerUser
        self.keysPerGroup = keysPerGroup
    }

    /// The error for a spent quota.
    static func reached(_ what: String, _ limit: Int) -> LatchkeyError {
        .conflict("you have reached the limit of \(limit) \(what); delete some first, or ask the operator to raise it")
    }
}
