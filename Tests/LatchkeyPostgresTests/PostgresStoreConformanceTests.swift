import LatchkeyPostgres
import LatchkeyTestSupport
import Testing

@Suite(.enabled(if: TemporaryPostgres.available, "needs LATCHKEY_TEST_POSTGRES_URL (scripts/test.sh starts a server)"))
struct PostgresStoreConformanceTests {
    @Test(arguments: StoreConformance.names)
    func conformance(_ name: String) async throws {
        try await TemporaryPostgres.withStore { store in try await StoreConformance.run(name, on: store) }
    }
}
