import LatchkeyCore

/// A credential's status as the pages show it: words, and the badge's colour class.
struct CredentialStatusBadge {
    let label: String
    let cssClass: String

    init(_ status: CredentialStatus) {
        (label, cssClass) = switch status {
        case .active: ("Active", "ok")
        case .refreshFailing: ("Refresh failing", "warn")
        case .needsReauth: ("Needs new consent", "bad")
        case .revoked: ("Revoked", "bad")
        }
    }
}
