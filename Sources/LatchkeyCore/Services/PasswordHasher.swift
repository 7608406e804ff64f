/// Hashes and verifies passwords (bcrypt in the server).
public protocol PasswordHasher: Sendable {
    /// Hashes `password`.
    func hash(_ password: String) -> String
    /// Whether `password` matches `hash`.
    func verify(_ password: String, hash: String) -> Bool
}
