import Foundation

/// Data keys, wrapped by the master key, and the sealed values they protect.
public protocol DataKeyStore: Sendable {
    /// All data keys.
    func dataKeys() async throws -> [WrappedDataKey]
    /// Inserts the next version, wrapped by `wrapped(version)`, in one transaction; with `activate`, it becomes the
    /// only active key. With `onlyIfEmpty`, does nothing when a key exists. Returns the version now active.
    func insertDataKey(wrapped: @Sendable (Int) throws -> Data, activate: Bool, onlyIfEmpty: Bool) async throws -> Int
    /// Up to `limit` sealed values under any version other than `version`.
    func sealedValues(notUnder version: Int, limit: Int) async throws -> [StoredSecret]
    /// Replaces one sealed value if it is still `secret.value`; false when a writer changed it meanwhile.
    func replaceSealedValue(_ secret: StoredSecret, with value: SealedValue) async throws -> Bool
    /// How many sealed values each key version protects.
    func sealedValueCounts() async throws -> [Int: Int]
}
