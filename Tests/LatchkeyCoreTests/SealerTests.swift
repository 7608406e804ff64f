import Foundation
@testable import LatchkeyCore
import Testing

/// Sealing over the in-memory store (the data keys live in any `DataKeyStore`). Tampering with a database file is
/// tested on SQLite, in LatchkeySQLiteTests.
@Suite struct SealerTests {
    let master: MasterKey

    init() throws { master = try MasterKey(base64: MasterKey.generateBase64()) }

    func sealer(_ store: MemoryStore, master: MasterKey? = nil) async throws -> Sealer {
        let sealer = Sealer(master: master ?? self.master, keyStore: store, clock: SystemClock())
        try await sealer.bootstrap()
        return sealer
    }

    @Test func aValueOpensOnlyForItsRecordAndField() async throws {
        let sealer = try await sealer(MemoryStore())
        let sealed = try await sealer.seal("sk-live-123", recordID: "crd_a", field: "api_key")
        #expect(try await sealer.open(sealed, recordID: "crd_a", field: "api_key") == "sk-live-123")
        await #expect(throws: SealingError.authenticationFailed) { try await sealer.open(sealed, recordID: "crd_b", field: "api_key") }
        await #expect(throws: SealingError.authenticationFailed) { try await sealer.open(sealed, recordID: "crd_a", field: "password") }
    }

    /// Every sealed value in every database was authenticated with these exact bytes: a change to them would leave
    /// all stored secrets unopenable.
    @Test func theAuthenticatedDataKeepsItsLayout() {
        let expected: [UInt8] = Array("latchkey/v1".utf8) + [0, 0, 0, 5] + Array("crd_1".utf8) + [0, 0, 0, 12] + Array("access_token".utf8)
            + [0, 0, 1, 2]
        #expect(Sealer.aad(recordID: "crd_1", field: "access_token", version: 258) == expected)
        #expect(Sealer.aad(recordID: "é", field: "", version: 0) == Array("latchkey/v1".utf8) + [0, 0, 0, 2, 0xC3, 0xA9, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func theSameSecretSealsDifferentlyEachTime() async throws {
        let sealer = try await sealer(MemoryStore())
        let a = try await sealer.seal("same", recordID: "r", field: "f")
        let b = try await sealer.seal("same", recordID: "r", field: "f")
        #expect(a != b)
        #expect(!a.bytes.contains(Data("same".utf8)))
    }

    @Test func aFlippedBitFailsToOpen() async throws {
        let sealer = try await sealer(MemoryStore())
        var bytes = try await sealer.seal("secret", recordID: "r", field: "f").bytes
        bytes[bytes.count - 20] ^= 0x01
        await #expect(throws: SealingError.authenticationFailed) { try await sealer.open(SealedValue(bytes: bytes), recordID: "r", field: "f") }
    }

    @Test func anotherMasterKeyCannotOpenTheDataKeys() async throws {
        let store = MemoryStore()
        _ = try await sealer(store)
        let other = try MasterKey(base64: MasterKey.generateBase64())
        await #expect(throws: SealingError.self) { _ = try await sealer(store, master: other) }
    }

    @Test func rotationLeavesNothingUnderTheOldKeyAndEverythingStillOpens() async throws {
        let store = MemoryStore()
        let sealer = try await sealer(store)
        let owner = User(id: "usr_1", email: "a@example.com", passwordHash: "x", role: .member, createdAt: Date())
        try await store.createUser(owner)
        var expected: [String: String] = [:]
        for i in 0..<30 {
            let id = Identifier.make("crd")
            let secret = "secret-\(i)"
            expected[id] = secret
            try await store.createCredential(Credential(id: id, ownerID: owner.id, provider: "openai", name: "c\(i)", authMode: .apiKey,
                                                        secrets: ["api_key": try await sealer.seal(secret, recordID: id, field: "api_key")], createdAt: Date(), updatedAt: Date()))
        }
        // A second process (a running server) that loaded the keyring before the rotation.
        let otherProcess = try await self.sealer(store)
        let report = try await KeyRotation(store: store, sealer: sealer).rotate(pause: { _ in })
        #expect(report.activeVersion == 2)
        #expect(report.reencrypted == 30)
        #expect(try await store.sealedValueCounts() == [2: 30])
        for (id, secret) in expected {
            let sealed = try #require(try await store.credential(id: id)?.secrets["api_key"])
            #expect(sealed.keyVersion == 2)
            #expect(try await otherProcess.open(sealed, recordID: id, field: "api_key") == secret)
        }
    }
}
