import Foundation

extension UserService {
    /// The user signing in through the deployment's identity provider: the existing user with this (verified) email,
    /// or a new one with `role`. Returns whether it was created. A new user gets a random password that nobody ever
    /// learns, so it can sign in only through the identity provider (or after an admin sets a password).
    public func provision(email rawEmail: String, role: User.Role) async throws -> (user: User, created: Bool) {
        let email = rawEmail.trimmingCharacters(in: .whitespaces).lowercased()
        if let existing = try await store.user(email: email) { return (existing, false) }
        let user = try newUser(email: email, password: PKCE.randomToken(), role: role)
        do {
            try await store.createUser(user)
        } catch StoreError.conflict {
            // Another server created the same user a moment ago: link to that one rather than fail or duplicate.
            guard let existing = try await store.user(email: email) else { throw LatchkeyError.conflict("a user with email \(email) already exists") }
            return (existing, false)
        }
        try await recordCreated(user)
        return (user, true)
    }
}

extension UserService {
    /// The id of the user with this email, if there is one (the audit log of a refused sign-in goes to that user).
    public func existingID(email: String) async throws -> String? {
        try await store.user(email: email.trimmingCharacters(in: .whitespaces).lowercased())?.id
    }
}
