import Foundation

/// Who holds a refresh lease, written in the credential's `lease_owner` as `host:pidns:pid:start:nonce`:
///
/// - `host`: the machine's host name (a `:` in it becomes `_`);
/// - `pidns`: the PID namespace (the inode of `/proc/self/ns/pid`), since a process id means something only inside
///   one namespace (two containers on one host may share a host name but not their process ids); 0 when unknown;
/// - `pid`: the process id;
/// - `start`: when the process started, in clock ticks since boot (field 22 of `/proc/self/stat`); 0 when unknown;
/// - `nonce`: random, telling apart several refreshers in one process.
///
/// With host, namespace, process id and start time a process on the same host can tell that a holder is gone (no
/// such process, or one that started at another time) and take the lease over at once. Other holders, and names
/// written by older versions (`host:pid:random`), keep their lease until it runs out.
public struct LeaseHolder: Sendable, Hashable, CustomStringConvertible {
    /// The host name.
    public let host: String
    /// The PID namespace's inode number; 0 when unknown.
    public let pidNamespace: UInt64
    /// The process id.
    public let pid: Int32
    /// The process's start time in clock ticks since boot; 0 when unknown.
    public let startTicks: UInt64
    /// Random, one per refresher.
    public let nonce: String

    /// Creates a holder.
    public init(host: String, pidNamespace: UInt64, pid: Int32, startTicks: UInt64, nonce: String) {
        self.host = host.replacingOccurrences(of: ":", with: "_")
        self.pidNamespace = pidNamespace
        self.pid = pid
        self.startTicks = startTicks
        self.nonce = nonce.replacingOccurrences(of: ":", with: "_")
    }

    /// Parses a `lease_owner` written by `description`; nil for anything else (an older or foreign owner name).
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 5, !parts[0].isEmpty, !parts[4].isEmpty,
              let namespace = UInt64(parts[1]), let pid = Int32(parts[2]), pid > 0, let start = UInt64(parts[3])
        else { return nil }
        self.init(host: String(parts[0]), pidNamespace: namespace, pid: pid, startTicks: start, nonce: String(parts[4]))
    }

    /// The `lease_owner` text.
    public var description: String { "\(host):\(pidNamespace):\(pid):\(startTicks):\(nonce)" }

    /// A new holder name for this process (a fresh nonce each time).
    public static func thisProcess() -> LeaseHolder {
        let me = ProcessIdentity.current
        return LeaseHolder(host: me.host, pidNamespace: me.pidNamespace, pid: me.pid, startTicks: me.startTicks,
                           nonce: String(Identifier.make("p").dropFirst(2).prefix(8)))
    }
}
