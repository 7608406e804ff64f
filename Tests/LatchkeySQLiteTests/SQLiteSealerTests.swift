import Foundation
import GRDB
import LatchkeyCore
import LatchkeySQLite
import Testing

/// Sealing against tampering with the database file. (Sealing itself is tested over the in-memory store, in
/// LatchkeyCoreTests.)
@Suite struct SQLiteSealerTests {
    @Test func swappingSealedValuesBetweenRowsInTheDatabaseFailsRatherThanYieldingTheOtherSecret() async throws {
        let database = TemporaryDatabase()
        let store = try await database.open()
        let sealer = Sealer(master: try MasterKey(base64: MasterKey.generateBase64()), keyStore: store, clock: SystemClock())
        try await sealer.bootstrap()
        let owner = User(id: "usr_1", email: "a@example.com", passwordHash: "x", role: .member, createdAt: Date())
        try await store.createUser(owner)
        var ids: [String] = []
        for secret in ["alpha-secret", "bravo-secret"] {
            let id = Identifier.make("crd")
            let credential = Credential(id: id, ownerID: owner.id, provider: "openai", name: secret, authMode: .apiKey,
                                        secrets: ["api_key": try await sealer.seal(secret, recordID: id, field: "api_key")], createdAt: Date(), updatedAt: Date())
            try await store.createCredential(credential)
            ids.append(id)
        }
        // An attacker with write access to the file swaps the two ciphertexts.
        let queue = try DatabaseQueue(path: database.path)
        let swapped = ids
        try await queue.write { db in
            let first = try Data.fetchOne(db, sql: "SELECT value FROM sealed_values WHERE record_id = ?", arguments: [swapped[0]])
            let second = try Data.fetchOne(db, sql: "SELECT value FROM sealed_values WHERE record_id = ?", arguments: [swapped[1]])
            try db.execute(sql: "UPDATE sealed_values SET value = ? WHERE record_id = ?", arguments: [second, swapped[0]])
            try db.execute(sql: "UPDATE sealed_values SET value = ? WHERE record_id = ?", arguments: [first, swapped[1]])
        }
        for id in ids {
            let credential = try #require(try await store.credential(id: id))
            let sealed = try #require(credential.secrets["api_key"])
            await #expect(throws: SealingError.authenticationFailed) { try await sealer.open(sealed, recordID: id, field: "api_key") }
        }
    }

}
