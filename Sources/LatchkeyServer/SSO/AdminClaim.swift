/// `LATCHKEY_OIDC_ADMIN_CLAIM`: which id_token claim makes a user an admin.
///
/// `NAME=VALUE` holds when the claim is the string VALUE or an array of strings containing it (`groups=latchkey-admins`);
/// a bare `NAME` holds when the claim is the JSON boolean `true` (`latchkey_admin`). NAME may be a dotted path into
/// nested objects (`realm_access.roles=admin`).
public struct AdminClaim: Sendable, Equatable {
    /// The path of the claim, one object key per element.
    public var path: [String]
    /// The value the claim must be or contain; nil for a boolean claim.
    public var value: String?

    /// Parses the setting; nil when it is malformed.
    public static func parse(_ text: String) -> AdminClaim? {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let name = parts[0].trimmingCharacters(in: .whitespaces)
        let path = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !name.isEmpty, path.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || "_-:/".contains($0) } }) else { return nil }
        if parts.count == 2 {
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else { return nil }
            return AdminClaim(path: path, value: value)
        }
        return AdminClaim(path: path, value: nil)
    }

    /// Whether the claims satisfy it.
    func holds(in claims: [String: ClaimValue]) -> Bool {
        var current: ClaimValue? = .object(claims)
        for key in path {
            guard case .object(let members) = current else { return false }
            current = members[key]
        }
        switch (current, value) {
        case (.bool(let flag)?, nil): return flag
        case (.string(let text)?, let value?): return text == value
        case (.array(let list)?, let value?): return list.contains(.string(value))
        default: return false
        }
    }
}
