/// `proxy.api_version`: when the API version a provider file pins was released, and when the provider stops
/// supporting it. `providers check --strict` refuses a pin past its support end, or older than 12 months without one.
public struct APIVersionPin: Sendable, Equatable {
    /// The day the pinned version was released.
    public var released: CalendarDay
    /// The provider's declared end of support (or, where it has announced none, a review date).
    public var supportEnds: CalendarDay?

    /// How long a pin without a declared support end counts as current.
    public static let monthsWithoutSupportEnd = 12

    public init(released: CalendarDay, supportEnds: CalendarDay? = nil) {
        self.released = released
        self.supportEnds = supportEnds
    }

    /// Why the pin is no longer current on `today`, or nil while it is.
    public func staleness(on today: CalendarDay) -> String? {
        if let supportEnds {
            return supportEnds < today ? "the pinned API version's support ended on \(supportEnds): move to a supported version" : nil
        }
        let oldest = today.addingMonths(-Self.monthsWithoutSupportEnd)
        return released < oldest
            ? "the pinned API version was released on \(released), more than \(Self.monthsWithoutSupportEnd) months ago, and the file declares no 'support_ends': move to a current version or declare the provider's end of support"
            : nil
    }
}
