/// Why a value could not be sealed or opened. Never carries key material or plaintext.
public enum SealingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The master key is malformed.
    case invalidMasterKey(String)
    /// The value names a key version this deployment does not have.
    case unknownKeyVersion(Int)
    /// Authentication failed: wrong key, tampered bytes, or a value moved to another record or field.
    case authenticationFailed
    /// The bytes are not a sealed value.
    case malformed
    /// No data key exists yet.
    case noActiveKey

    public var description: String {
        switch self {
        case .invalidMasterKey(let reason): "invalid master key: \(reason)"
        case .unknownKeyVersion(let version): "no data key version \(version) (was it rotated away?)"
        case .authenticationFailed: "a sealed value failed authentication (wrong master key, tampering, or a value moved between records)"
        case .malformed: "a stored value is not a sealed value"
        case .noActiveKey: "no data key exists; run `latchkey migrate` or start the server once"
        }
    }
}
