import Foundation
import LatchkeyCore
import Testing

@Suite struct UsageRecorderTests {
    /// A flush takes the counts from memory and then writes them; a read in between used to find them in neither
    /// place, so the dashboard's usage showed too few calls until the write landed.
    @Test func aReadWhileAFlushIsWritingCountsTheFlushedCallsOnce() async throws {
        let store = HeldUsageStore()
        let owner = User(id: "usr_1", email: "a@example.com", passwordHash: "$2b$hash", role: .member, createdAt: Date())
        try await store.base.createUser(owner)
        try await store.base.createGroup(AgentGroup(id: "g", ownerID: owner.id, name: "bots", createdAt: Date()))
        let recorder = UsageRecorder(store: store, clock: SystemClock())
        for _ in 0..<3 { recorder.admitted(groupID: "g", provider: "p") }
        recorder.refused(groupID: "g", provider: "p")
        let flush = Task { try await recorder.flush() }
        while store.writesStarted == 0 { await Task.yield() }
        let read = Task { try await recorder.daily(groupID: "g", days: 1) }
        // Time for a read that does not wait for the flush to finish, with the write still held.
        try await Task.sleep(for: .milliseconds(100))
        store.release()
        try await flush.value
        let during = try await read.value
        #expect(during.map(\.calls) == [3] && during.map(\.refused) == [1])
        let after = try await recorder.daily(groupID: "g", days: 1)
        #expect(after.map(\.calls) == [3] && after.map(\.refused) == [1], "after the flush, from the store alone")
    }
}
