import LatchkeyPostgres
import LatchkeyTestSupport
import Testing

@Suite(.enabled(if: TemporaryPostgres.available, "needs LATCHKEY_TEST_POSTGRES_URL (scripts/test.sh starts a server)"))
struct PostgresStoreConformanceTests {
    @Test(arguments: StoreConformance.names)
    func conformance(_ name: String) async throws {
        let clock = StoreConformance.makeClock()
        try await TemporaryPostgres.withStore(clock: clock) { store in try await StoreConformance.run(name, on: store, clock: clock) }
    }
}
