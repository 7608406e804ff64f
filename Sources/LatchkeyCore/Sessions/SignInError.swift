/// Why a sign-in was refused. The messages never say whether the email exists.
public enum SignInError: Error, Sendable, Equatable {
    /// Wrong email or password.
    case invalid
    /// Too many failures lately; try again after the given seconds.
    case throttled(retryAfter: Int)
    /// Too many sign-ins are being checked at once; try again in a moment.
    case busy
}
