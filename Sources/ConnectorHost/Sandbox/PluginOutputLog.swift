import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Logs what a worker writes to stdout and stderr, line by line, as the
/// plugin's output. Never parsed: the protocol has its own socket.
///
/// A plugin that floods its output must not flood the host's log: after the
/// first `lineBudget` lines, only a count of suppressed bytes is logged, once
/// per MiB.
enum PluginOutputLog {
    static let lineBudget = 1000
    static let longestLine = 4096

    static func follow(standardOutput: Int32, standardError: Int32, logger: Logger) {
        let thread = Thread {
            var state = State(logger: logger)
            var descriptors = [
                pollfd(fd: standardOutput, events: Int16(POLLIN), revents: 0),
                pollfd(fd: standardError, events: Int16(POLLIN), revents: 0),
            ]
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 8)
            defer { buffer.deallocate() }
            var pending: [[UInt8]] = [[], []]
            var open = 2
            while open > 0 {
                if poll(&descriptors, 2, -1) < 0 {
                    if errno == EINTR { continue }
                    break
                }
                for index in 0..<2 where descriptors[index].fd >= 0 && descriptors[index].revents != 0 {
                    let count = Descriptors.readSome(descriptors[index].fd, into: buffer)
                    if count == 0 {
                        if !pending[index].isEmpty { state.line(pending[index], stream: index) }
                        Descriptors.close(descriptors[index].fd)
                        descriptors[index].fd = -1
                        open -= 1
                        continue
                    }
                    pending[index].append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                    while let newline = pending[index].firstIndex(of: 0x0A) {
                        state.line(Array(pending[index][..<newline]), stream: index)
                        pending[index].removeFirst(newline + 1)
                    }
                    if pending[index].count > longestLine {
                        state.line(pending[index], stream: index)
                        pending[index].removeAll(keepingCapacity: true)
                    }
                }
            }
            state.finish()
        }
        thread.name = "connector-host-plugin-output"
        thread.start()
    }

    private struct State {
        let logger: Logger
        var lines = 0
        var suppressed = 0
        var reported = 0

        mutating func line(_ bytes: [UInt8], stream: Int) {
            lines += 1
            guard lines <= PluginOutputLog.lineBudget else {
                suppressed += bytes.count + 1
                if suppressed - reported >= 1 << 20 {
                    reported = suppressed
                    logger.warning("plugin output suppressed", metadata: ["suppressedBytes": "\(suppressed)"])
                }
                return
            }
            let text = String(decoding: bytes.prefix(PluginOutputLog.longestLine), as: UTF8.self)
            let name = stream == 0 ? "stdout" : "stderr"
            logger.log(level: stream == 0 ? .info : .warning, "\(text)", metadata: ["source": "\(name)"])
        }

        func finish() {
            if suppressed > 0 {
                logger.warning(
                    "plugin output ended; lines beyond the first \(PluginOutputLog.lineBudget) were not logged",
                    metadata: ["suppressedBytes": "\(suppressed)"]
                )
            }
        }
    }
}
