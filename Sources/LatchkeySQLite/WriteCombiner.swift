import GRDB
import LatchkeyCore
import Synchronization

/// Group commit for small, frequent writes: the writes that arrive while one transaction is being written share the
/// next one. Each write still runs whole or not at all (in a savepoint of its own) and its caller hears its own
/// result or error only once the shared transaction is committed; what changes is that a refresh pass of thousands of
/// credentials pays for a few hundred commits (each a WAL append, file locks and two thread hops) instead of two per
/// credential. Under no concurrency a write goes alone, as before.
final class WriteCombiner: Sendable {
    /// One queued write: `perform` runs it inside the shared transaction and returns how to answer its caller once
    /// that transaction is committed; `fail` answers it when the transaction as a whole failed.
    private struct Job: Sendable {
        let perform: @Sendable (Database) -> @Sendable () -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private struct State {
        var pending: [Job] = []
        var draining = false
    }

    private let pool: DatabasePool
    private let state = Mutex(State())
    /// At most this many writes share one transaction, so no caller waits behind an unbounded queue.
    static let maxBatch = 64

    init(pool: DatabasePool) {
        self.pool = pool
    }

    /// Writes waiting for the next transaction (for tests).
    var pendingCount: Int { state.withLock { $0.pending.count } }
    /// Whether a transaction is being written or about to be (for tests).
    var isDraining: Bool { state.withLock { $0.draining } }

    /// Runs `body` in a savepoint of the next shared write transaction; returns its result after the commit.
    /// `mapError` turns a database error of this write into the store's own (a conflict, say).
    ///
    /// The caller that finds no transaction under way writes the queue itself, in its own task, so a write with
    /// nothing to share costs no more hops than a plain one.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T, mapError: @escaping @Sendable (any Error) -> any Error) async throws -> T {
        let reply = Reply<T>()
        let job = Job(perform: { db in
            let result: Result<T, any Error>
            do {
                var value: Result<T, any Error>?
                try db.inSavepoint {
                    value = .success(try body(db))
                    return .commit
                }
                result = value ?? .failure(StoreError.conflict("write"))
            } catch {
                result = .failure(mapError(error))
            }
            return { reply.resolve(result) }
        }, fail: { reply.resolve(.failure(mapError($0))) })
        let lead = state.withLock { state -> Bool in
            state.pending.append(job)
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        if lead { await drain() }
        return try await reply.value()
    }

    /// Writes queued jobs, a batch per transaction, until none are left; after `leaderBatches` batches the rest goes
    /// to a task of its own, so the caller that led is not held up by others' writes for long.
    private func drain(leaderBatches: Int = 4) async {
        var batches = 0
        while true {
            if batches == leaderBatches {
                Task { await self.drain(leaderBatches: .max) }
                return
            }
            batches += 1
            let jobs = state.withLock { state -> [Job] in
                let batch = Array(state.pending.prefix(Self.maxBatch))
                state.pending.removeFirst(batch.count)
                if batch.isEmpty { state.draining = false }
                return batch
            }
            if jobs.isEmpty { return }
            do {
                let answers = try await pool.write { db in jobs.map { $0.perform(db) } }
                for answer in answers { answer() }
            } catch {
                for job in jobs { job.fail(error) }
            }
        }
    }
}
