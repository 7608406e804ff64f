/// Calls of a group to one provider on one UTC day: admitted and refused (by policy, approval or budget).
public struct DailyUsage: Sendable, Equatable {
    public var groupID: String
    public var provider: String
    /// `YYYY-MM-DD`, UTC.
    public var day: String
    public var calls: Int
    public var refused: Int

    public init(groupID: String, provider: String, day: String, calls: Int, refused: Int) {
        self.groupID = groupID
        self.provider = provider
        self.day = day
        self.calls = calls
        self.refused = refused
    }
}
