import LatchkeyCore
import LatchkeyPostgres
import Logging
import Testing

/// What an operator sees when the database URL or the database is wrong. No server needed.
@Suite struct PostgresFailureTests {
    @Test func aBadURLIsRefusedWithoutItsPassword() throws {
        #expect(throws: PostgresURLError.self) { try PostgresURL("postgres://user:hunter2@host/db?sslmode=sometimes") }
        do {
            _ = try PostgresURL("postgres://user:hunter2@host/db?pool_size=0")
            Issue.record("pool_size=0 was accepted")
        } catch {
            #expect(!error.description.contains("hunter2"))
            #expect(error.description.contains("pool_size"))
        }
        #expect(throws: PostgresURLError.self) { try PostgresURL("postgres://host/db") }
        #expect(throws: PostgresURLError.self) { try PostgresURL("postgres://user@host/db?options=-c%20x") }
        #expect(throws: PostgresURLError.self) { try PostgresURL("mysql://user@host/db") }
    }

    @Test func urlsNameAHostOrAUnixSocket() throws {
        let tcp = try PostgresURL("postgres://lk:pw@db.internal:6432/latchkey?sslmode=require&pool_size=25").configuration
        #expect(tcp.host == "db.internal" && tcp.port == 6432 && tcp.database == "latchkey" && tcp.username == "lk")
        #expect(tcp.options.maximumConnections == 25)
        let directory = try PostgresURL("postgres://lk@/latchkey?host=/var/run/postgresql").configuration
        #expect(directory.unixSocketPath == "/var/run/postgresql/.s.PGSQL.5432")
        let file = try PostgresURL("postgres://lk@/latchkey?host=/tmp/pg/.s.PGSQL.54329").configuration
        #expect(file.unixSocketPath == "/tmp/pg/.s.PGSQL.54329")
        #expect(try PostgresURL("postgresql://lk@localhost/latchkey").configuration.options.maximumConnections == 10)
    }

    /// Each timer the pool starts when a connection goes back to it keeps its memory until it would have fired, even
    /// when cancelled: the pool's timers are kept short and few (see `PostgresURL`), so a busy process's memory stays
    /// bounded (Benchmarks/README.md, the refresh pass on PostgreSQL).
    @Test func poolTimersAreShortAndFew() throws {
        let options = try PostgresURL("postgres://lk@localhost/latchkey").configuration.options
        #expect(options.connectionIdleTimeout == .seconds(30))
        #expect(options.keepAliveBehavior == nil)
        #expect(options.minimumConnections == 0, "connections are opened on demand, none kept idle for ever")
    }

    /// Without the store's 10 s deadline PostgresNIO retries for ever, so a hang would never end: the time limit tells
    /// "gave up" from "hangs". It is minutes, not seconds, because on a loaded two-core machine the suite's hundreds of
    /// parallel tests can hold the deadline's timer task off its thread for a minute (69 s was seen at load 13).
    @Test(.timeLimit(.minutes(3)))
    func anUnreachableDatabaseFailsWithinTheDeadlineInsteadOfHanging() async throws {
        // Port 1 on loopback: nothing listens, so every connection attempt is refused and the pool keeps retrying.
        let store = try PostgresStore(url: "postgres://user:hunter2@127.0.0.1:1/latchkey?sslmode=disable", logger: Logger(label: "test"))
        do {
            try await store.migrate()
            Issue.record("migrating an unreachable database succeeded")
        } catch let error as StoreError {
            guard case .unavailable(let reason) = error else { Issue.record("\(error)"); return }
            #expect(!reason.contains("hunter2"))
        }
        #expect(await !store.ping())
        await store.close()
    }
}
