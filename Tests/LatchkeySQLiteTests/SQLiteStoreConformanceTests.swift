import LatchkeySQLite
import LatchkeyTestSupport
import Testing

@Suite struct SQLiteStoreConformanceTests {
    @Test(arguments: StoreConformance.names)
    func conformance(_ name: String) async throws {
        let clock = StoreConformance.makeClock()
        try await StoreConformance.run(name, on: try await TemporaryDatabase().open(clock: clock), clock: clock)
    }

    @Test func migratingTwiceIsHarmless() async throws {
        let database = TemporaryDatabase()
        let store = try await database.open()
        try await store.migrate()
        #expect(await store.ping())
    }
}
