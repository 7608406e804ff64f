import Foundation

/// This process as the lease holder names it: host, PID namespace, process id and start time, read once.
struct ProcessIdentity: Sendable, Equatable {
    let host: String
    let pidNamespace: UInt64
    let pid: Int32
    let startTicks: UInt64

    /// This process.
    static let current: ProcessIdentity = {
        let pid = getpid()
        return ProcessIdentity(host: hostName(), pidNamespace: pidNamespace(of: "self") ?? 0, pid: pid,
                               startTicks: ProcessStat.read(pid: pid)?.startTicks ?? 0)
    }()

    /// The host name from `gethostname` (without the DNS lookups `ProcessInfo.hostName` may make), as a lease
    /// holder writes it.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let name: String
        if gethostname(&buffer, buffer.count - 1) == 0 {
            name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        } else {
            name = ProcessInfo.processInfo.hostName
        }
        return name.replacingOccurrences(of: ":", with: "_")
    }

    /// The inode of `/proc/<process>/ns/pid` (its link reads `pid:[4026531836]`); nil where there is none.
    static func pidNamespace(of process: String) -> UInt64? {
        guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(process)/ns/pid"),
              let open = link.firstIndex(of: "["), let close = link.lastIndex(of: "]"), open < close
        else { return nil }
        return UInt64(link[link.index(after: open)..<close])
    }
}
