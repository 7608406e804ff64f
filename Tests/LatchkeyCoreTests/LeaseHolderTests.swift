import Foundation
import Testing
@testable import LatchkeyCore

@Suite struct LeaseHolderTests {
    @Test func aHolderNameRoundTripsAndForeignNamesDoNotParse() throws {
        let holder = LeaseHolder(host: "web:1", pidNamespace: 4026531836, pid: 812, startTicks: 1_234_567, nonce: "ab12cd34")
        #expect(holder.description == "web_1:4026531836:812:1234567:ab12cd34")
        #expect(LeaseHolder(parsing: holder.description) == holder)
        let mine = LeaseHolder.thisProcess()
        #expect(LeaseHolder(parsing: mine.description) == mine)
        #expect(mine.pid == getpid())
        #expect(mine != LeaseHolder.thisProcess(), "each refresher gets its own nonce")
        for foreign in ["web-1:812:ab12cd34", "A", "", "web:x:812:1:n", "web:1:0:1:n", "web:1:-5:1:n", "web:1:812:1:", ":1:812:1:n", "a:1:2:3:4:5"] {
            #expect(LeaseHolder(parsing: foreign) == nil, "\(foreign)")
        }
    }

    @Test func theStatLineIsReadFromAfterTheCommandName() throws {
        let fields = (3...30).map { $0 == 22 ? "98765" : "\($0)" }
        let stat = try #require(ProcessStat.parse("812 (a) (b c)) S " + fields.dropFirst().joined(separator: " ") + "\n"))
        #expect(stat.state == "S")
        #expect(stat.startTicks == 98765)
        #expect(ProcessStat.parse("812 (short) S 1 2") == nil)
        #expect(ProcessStat.parse("no parenthesis") == nil)
    }

    @Test(.enabled(if: ProcessIdentity.current.startTicks != 0 && ProcessIdentity.current.pidNamespace != 0, "needs Linux /proc"))
    func thisProcessIsAliveAndAnotherHostOrNamespaceIsNeverCalledGone() throws {
        let me = ProcessIdentity.current
        let liveness = ProcessLiveness()
        let mine = LeaseHolder.thisProcess()
        #expect(!liveness.isGone(mine))
        let exited = try exitedChildPID()
        func holder(host: String = me.host, namespace: UInt64 = me.pidNamespace, pid: Int32, start: UInt64) -> LeaseHolder {
            LeaseHolder(host: host, pidNamespace: namespace, pid: pid, startTicks: start, nonce: "n")
        }
        #expect(liveness.isGone(holder(pid: me.pid, start: me.startTicks + 1)), "the same pid started at another time is another process")
        #expect(liveness.isGone(holder(pid: exited, start: 1)), "an exited process is gone")
        #expect(!liveness.isGone(holder(host: "elsewhere", pid: exited, start: 1)), "another host's processes are not ours to judge")
        #expect(!liveness.isGone(holder(namespace: me.pidNamespace + 1, pid: exited, start: 1)), "nor another PID namespace's")
        #expect(!liveness.isGone(holder(pid: exited, start: 0)), "a holder without a start time is never called gone")
    }

    /// The pid of a child that has exited and been reaped.
    func exitedChildPID() throws -> Int32 {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        child.arguments = ["-c", "exit 0"]
        try child.run()
        child.waitUntilExit()
        return child.processIdentifier
    }
}
