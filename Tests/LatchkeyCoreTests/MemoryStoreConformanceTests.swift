import LatchkeyCore
import LatchkeyTestSupport
import Testing

/// The in-memory store passes the same conformance suite as SQLite and PostgreSQL, so core tests can run on it.
@Suite struct MemoryStoreConformanceTests {
    @Test(arguments: StoreConformance.names)
    func conformance(_ name: String) async throws {
        let clock = StoreConformance.makeClock()
        try await StoreConformance.run(name, on: MemoryStore(clock: clock), clock: clock)
    }
}
