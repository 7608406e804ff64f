import Foundation

/// Data keys, wrapped by the master key, and the sealed values they protect.
public protocol DataKeyStore: Sendable {
    /// All data keys.
    func dataKeys() async throws -> [WrappedDataKey]
    /// Inserts the next version, wrapped by `wrapped(version, latest)` (`latest`: the newest existing key, so the
    /// caller can refuse to add a key under a master key the others are not wrapped by), in one transaction that
    /// excludes `rewrapDataKeys`; with `activate`, it becomes the only active key. With `onlyIfEmpty`, does nothing
    /// when a key exists. Returns the version now active.
    func insertDataKey(wrapped: @Sendable (_ version: Int, _ latest: WrappedDataKey?) throws -> Data, activate: Bool, onlyIfEmpty: Bool) async throws -> Int
    /// Replaces the wrapping of every data key with `rewrap(key)` in one transaction: either all keys are rewrapped
    /// or, when `rewrap` throws or the process dies, none is. Returns how many keys were rewrapped.
    func rewrapDataKeys(_ rewrap: @Sendable (WrappedDataKey) throws -> Data) async throws -> Int
    /// Deletes, in one transaction, every inactive data-key version that no sealed value uses. Returns the versions deleted.
    func retireUnusedDataKeys() async throws -> [Int]
    /// Up to `limit` sealed values under any version other than `version`.
    func sealedValues(notUnder version: Int, limit: Int) async throws -> [StoredSecret]
    /// Replaces one sealed value if it is still `secret.value`; false when a writer changed it meanwhile.
    func replaceSealedValue(_ secret: StoredSecret, with value: SealedValue) async throws -> Bool
    /// How many sealed values each key version protects.
    func sealedValueCounts() async throws -> [Int: Int]
}
