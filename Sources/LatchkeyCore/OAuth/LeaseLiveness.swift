/// Decides whether a refresh lease's holder is certainly gone, so its lease may be taken over before it runs out.
///
/// It must never call a live holder gone: the holder may be mid-request with the refresh token, and a second
/// request could spend that token twice. When unsure, it answers false and the lease runs out by itself.
public protocol LeaseLiveness: Sendable {
    /// Whether `holder`'s process has certainly ended.
    func isGone(_ holder: LeaseHolder) -> Bool
}
