import HummingbirdBcrypt
import LatchkeyCore

/// Passwords hashed with bcrypt.
public struct BcryptHasher: PasswordHasher {
    let cost: UInt8
    /// Creates a hasher; `cost` 12 by default.
    public init(cost: UInt8 = 12) { self.cost = cost }
    public func hash(_ password: String) -> String { Bcrypt.hash(password, cost: cost) }
    public func verify(_ password: String, hash: String) -> Bool { Bcrypt.verify(password, hash: hash) }
}
