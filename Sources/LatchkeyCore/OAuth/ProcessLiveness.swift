import Foundation

/// Lease liveness from this host's process table (Linux `/proc`). A holder is gone when it names this host and
/// this PID namespace, and its process id is unused, or used by a process that started at another time (the id was
/// reused), or by a zombie. A holder on another host or namespace, or one whose name lacks a start time, is never
/// called gone: its lease runs out instead.
public struct ProcessLiveness: LeaseLiveness {
    let me: ProcessIdentity

    /// Liveness as seen from this process.
    public init() { me = .current }

    init(me: ProcessIdentity) { self.me = me }

    public func isGone(_ holder: LeaseHolder) -> Bool {
        guard holder.host == me.host, me.pidNamespace != 0, holder.pidNamespace == me.pidNamespace, me.startTicks != 0, holder.startTicks != 0, holder.pid > 0
        else { return false }
        if let stat = ProcessStat.read(pid: holder.pid) { return stat.hasEnded || stat.startTicks != holder.startTicks }
        // No stat to read: gone only if the kernel says there is no such process (not merely that /proc hides it).
        return kill(holder.pid, 0) == -1 && errno == ESRCH
    }
}
