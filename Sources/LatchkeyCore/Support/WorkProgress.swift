/// How far a long job (a refresh pass, a key rotation) has got: `done` of `total` units of `what`.
public struct WorkProgress: Sendable, Equatable {
    /// What is counted, plural: "credentials", "sealed values", "data keys".
    public var what: String
    /// Units finished.
    public var done: Int
    /// Units in all.
    public var total: Int

    /// Creates a progress value.
    public init(what: String, done: Int, total: Int) {
        self.what = what
        self.done = done
        self.total = total
    }
}

/// Where a long job reports its progress; called from any task, often.
public typealias ProgressReport = @Sendable (WorkProgress) -> Void
