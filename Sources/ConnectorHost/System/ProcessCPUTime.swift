import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The CPU time a process and everything it started have used, read from
/// `/proc`: the host sees a sandbox worker only as bubblewrap's PID, and the
/// worker (and whatever it forked) runs below it, so the whole tree counts.
package enum ProcessCPUTime {
    /// User and system time of `root` and its descendants, reaped children
    /// included (the kernel adds them to their parent's), or nil when `root`
    /// is gone. Bounded: a tree of more than 4096 processes is counted in part.
    package static func ofTree(_ root: pid_t) -> Duration? {
        var ticks: Int64 = 0
        var pending = [root]
        var seen: Set<pid_t> = []
        while let pid = pending.popLast(), seen.count < 4096 {
            guard seen.insert(pid).inserted, let used = ticksUsed(by: pid) else {
                if pid == root { return nil }
                continue
            }
            ticks += used
            pending += children(of: pid)
        }
        return .nanoseconds(ticks * (1_000_000_000 / ticksPerSecond))
    }

    /// `sysconf(_SC_CLK_TCK)`: the unit of `/proc/<pid>/stat` times (100 on Linux).
    private static let ticksPerSecond: Int64 = {
        let ticks = Int64(sysconf(Int32(_SC_CLK_TCK)))
        return ticks > 0 ? ticks : 100
    }()

    /// utime + stime + cutime + cstime, fields 14 to 17 of `/proc/<pid>/stat`,
    /// counted after the command name, which may itself hold spaces and parentheses.
    private static func ticksUsed(by pid: pid_t) -> Int64? {
        guard let stat = read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (the state).
        guard fields.count > 14 else { return nil }
        return fields[11...14].reduce(Int64(0)) { $0 + (Int64($1) ?? 0) }
    }

    /// Children of every thread of `pid` (a child belongs to the thread that forked it).
    private static func children(of pid: pid_t) -> [pid_t] {
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return threads.flatMap { thread in
            (read("/proc/\(pid)/task/\(thread)/children") ?? "").split(separator: " ").compactMap { pid_t($0) }
        }
    }

    /// A whole `/proc` file: they have no size to read by.
    private static func read(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let bytes = try? handle.readToEnd() else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
