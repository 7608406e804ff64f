/// Where a credential stands: `active → refresh_failing → needs_reauth`, or `revoked`.
public enum CredentialStatus: String, Sendable, Equatable, CaseIterable {
    case active
    case needsReauth = "needs_reauth"
    case refreshFailing = "refresh_failing"
    case revoked
}
