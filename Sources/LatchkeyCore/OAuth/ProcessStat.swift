import Foundation

/// What lease liveness needs from `/proc/<pid>/stat` on Linux: the process's state and start time.
struct ProcessStat: Sendable, Equatable {
    /// The state letter (`R`, `S`, `D`, `Z` for a zombie, `X` for dead, …).
    let state: Character
    /// Field 22: when the process started, in clock ticks since boot.
    let startTicks: UInt64

    /// Whether the process has ended (a zombie waits only to be reaped).
    var hasEnded: Bool { state == "Z" || state == "X" || state == "x" }

    /// Reads `/proc/<pid>/stat`; nil when it cannot be read (no such process, no /proc, or not allowed).
    static func read(pid: Int32) -> ProcessStat? {
        guard pid > 0, let handle = FileHandle(forReadingAtPath: "/proc/\(pid)/stat") else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return nil }
        return parse(String(decoding: data, as: UTF8.self))
    }

    /// Parses the stat line. The command name (field 2) is in parentheses and may itself hold spaces and
    /// parentheses, so fields are counted from the last `)`.
    static func parse(_ line: String) -> ProcessStat? {
        guard let close = line.lastIndex(of: ")") else { return nil }
        let fields = line[line.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count > 19, let state = fields[0].first, let start = UInt64(fields[19]) else { return nil }
        return ProcessStat(state: state, startTicks: start)
    }
}
