import Crypto
import Foundation
import Synchronization

/// The one place secrets are encrypted and decrypted (AES-256-GCM).
///
/// Values are sealed with the active data key; the record id and field name are authenticated data, so a value
/// copied to another record or field fails to open instead of yielding the other record's secret. Data keys live in
/// the store wrapped by the master key, so every process on one database shares them and `keys rotate` needs no restart.
public final class Sealer: Sendable {
    private let master: MasterKey
    private let keyStore: any DataKeyStore
    private let clock: any WallClock
    private let state = Mutex(State())
    /// How long a process trusts its idea of the active key before asking the store again.
    public static let activeKeyTTL: TimeInterval = 2

    private struct State {
        var keys: [Int: SymmetricKey] = [:]
        var activeVersion: Int?
        var checkedAt: Date = .distantPast
    }

    /// Creates a sealer over `keyStore`'s data keys.
    public init(master: MasterKey, keyStore: any DataKeyStore, clock: any WallClock) {
        self.master = master
        self.keyStore = keyStore
        self.clock = clock
    }

    /// Creates the first data key when the store has none. Idempotent; safe when several processes start at once.
    public func bootstrap() async throws {
        if try await keyStore.dataKeys().isEmpty {
            _ = try await keyStore.insertDataKey(wrapped: newWrappedKey, activate: true, onlyIfEmpty: true)
        }
        try await reload()
    }

    /// Adds a new data key version and makes it the active one. Returns the new version.
    public func addActiveKey() async throws -> Int {
        let version = try await keyStore.insertDataKey(wrapped: newWrappedKey, activate: true, onlyIfEmpty: false)
        try await reload()
        return version
    }

    /// The fingerprint of the master key this process holds (never the key).
    public var masterFingerprint: String { master.fingerprint }

    /// Rewraps every data key under `newMaster` in one transaction; returns how many. Fails, changing nothing, when
    /// this process's master key does not open every data key. This process keeps working: it holds the data keys
    /// themselves, which do not change.
    public func rewrapAll(under newMaster: MasterKey, progress: (@Sendable (Int) -> Void)? = nil) async throws -> Int {
        let old = master
        let rewrapped = Mutex(0)
        return try await keyStore.rewrapDataKeys { record in
            let wrapped = try Self.wrap(try Self.unwrap(record, with: old), version: record.version, with: newMaster)
            if let progress { progress(rewrapped.withLock { $0 += 1; return $0 }) }
            return wrapped
        }
    }

    /// A fresh data key for `version`, wrapped by this process's master key, but only when the newest existing key
    /// is wrapped by it too: a `keys rotate` racing a `keys rotate-master` must not add a key that the new master key
    /// cannot open.
    private func newWrappedKey(version: Int, latest: WrappedDataKey?) throws -> Data {
        if let latest { _ = try Self.unwrap(latest, with: master) }
        return try Self.wrap(SymmetricKey(size: .bits256), version: version, with: master)
    }

    /// The version new values are sealed with.
    public func activeVersion() async throws -> Int {
        let now = clock.now
        if let (version, _) = state.withLock({ s in s.activeVersion.map { ($0, s.checkedAt) } }).flatMap({ now.timeIntervalSince($0.1) < Self.activeKeyTTL ? $0 : nil }) {
            return version
        }
        try await reload()
        guard let version = state.withLock({ $0.activeVersion }) else { throw SealingError.noActiveKey }
        return version
    }

    /// Seals `plaintext` for `field` of record `recordID`.
    public func seal(_ plaintext: String, recordID: String, field: String) async throws -> SealedValue {
        let version = try await activeVersion()
        guard let key = state.withLock({ $0.keys[version] }) else { throw SealingError.unknownKeyVersion(version) }
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: key, nonce: AES.GCM.Nonce(), authenticating: Self.aad(recordID: recordID, field: field, version: version))
        var bytes = Data([SealedValue.formatVersion])
        withUnsafeBytes(of: UInt32(version).bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: box.nonce)
        bytes.append(box.ciphertext)
        bytes.append(box.tag)
        return SealedValue(bytes: bytes)
    }

    /// Opens a value sealed for `field` of `recordID`; fails if it was sealed for anything else.
    public func open(_ sealed: SealedValue, recordID: String, field: String) async throws -> String {
        guard let version = sealed.keyVersion else { throw SealingError.malformed }
        var key = state.withLock { $0.keys[version] }
        if key == nil {
            // Another process may have rotated since we loaded the keyring.
            try await reload()
            key = state.withLock { $0.keys[version] }
        }
        guard let key else { throw SealingError.unknownKeyVersion(version) }
        let body = sealed.bytes.dropFirst(SealedValue.headerLength)
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: body.prefix(12)), ciphertext: body.dropFirst(12).dropLast(16), tag: body.suffix(16))
            let plain = try AES.GCM.open(box, using: key, authenticating: Self.aad(recordID: recordID, field: field, version: version))
            guard let text = String(data: plain, encoding: .utf8) else { throw SealingError.malformed }
            return text
        } catch let error as SealingError {
            throw error
        } catch {
            throw SealingError.authenticationFailed
        }
    }

    /// Reloads the data keys from the store.
    ///
    /// Versions already held are kept without unwrapping them again: after `keys rotate-master` this process's
    /// (old) master key no longer opens the stored wrappings, but the data keys it holds are still the same keys,
    /// so a running server keeps working until it is restarted with the new master key. Versions gone from the store
    /// (`keys retire`) are dropped.
    public func reload() async throws {
        let records = try await keyStore.dataKeys()
        let held = state.withLock { $0.keys }
        var keys: [Int: SymmetricKey] = [:]
        for record in records { keys[record.version] = try held[record.version] ?? Self.unwrap(record, with: master) }
        let active = records.filter(\.active).map(\.version).max()
        let now = clock.now
        state.withLock { s in
            s.keys = keys
            s.activeVersion = active
            s.checkedAt = now
        }
    }

    static func aad(recordID: String, field: String, version: Int) -> [UInt8] {
        // Length-prefixed so that ("a|b", "c") and ("a", "b|c") can never authenticate as each other. Built as plain
        // bytes: two of these are made for every refresh, and `Data`'s generic appends cost more than the cipher.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.aadHead.count + 12 + recordID.utf8.count + field.utf8.count)
        bytes.append(contentsOf: Self.aadHead)
        func appendLength(_ value: Int) {
            let length = UInt32(truncatingIfNeeded: value)
            bytes.append(contentsOf: [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)])
        }
        appendLength(recordID.utf8.count)
        bytes.append(contentsOf: recordID.utf8)
        appendLength(field.utf8.count)
        bytes.append(contentsOf: field.utf8)
        appendLength(version)
        return bytes
    }

    private static let aadHead = Array("latchkey/v1".utf8)

    private static func wrap(_ key: SymmetricKey, version: Int, with master: MasterKey) throws -> Data {
        let box = try AES.GCM.seal(key.withUnsafeBytes { Data($0) }, using: master.key, authenticating: Data("latchkey/datakey/\(version)".utf8))
        guard let combined = box.combined else { throw SealingError.malformed }
        return combined
    }

    private static func unwrap(_ record: WrappedDataKey, with master: MasterKey) throws -> SymmetricKey {
        do {
            let box = try AES.GCM.SealedBox(combined: record.wrapped)
            return SymmetricKey(data: try AES.GCM.open(box, using: master.key, authenticating: Data("latchkey/datakey/\(record.version)".utf8)))
        } catch {
            throw SealingError.invalidMasterKey("it does not open data key version \(record.version): this database was set up with another master key (or its master key was rotated with `latchkey keys rotate-master`)")
        }
    }
}
