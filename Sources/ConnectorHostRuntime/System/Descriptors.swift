import CConnectorHostSystem

#if canImport(Glibc)
import Glibc
#endif

/// The socket and pipe system calls of the sandbox, each retrying `EINTR` and
/// failing with the call's name and `errno`.
package enum Descriptors {
    /// A connected pair of Unix stream sockets, both close-on-exec.
    package static func socketPair() throws(ConnectorHostError) -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw failure("socketpair")
        }
        return (fds[0], fds[1])
    }

    /// A pipe (read end, write end), both close-on-exec.
    package static func pipe() throws(ConnectorHostError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        let result = CConnectorHostSystem_pipe(&fds)
        guard result == 0 else {
            throw ConnectorHostError(.unavailable, "pipe2 failed: \(String(cString: strerror(result)))")
        }
        return (fds[0], fds[1])
    }

    /// Writes all of `bytes`, never raising SIGPIPE.
    ///
    /// - Returns: false when the peer is gone.
    package static func sendAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var offset = 0
        while offset < bytes.count {
            let sent = send(descriptor, base + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if sent < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += sent
        }
        return true
    }

    /// Writes all of `bytes` to a file.
    ///
    /// - Returns: false on an error, which `errno` names.
    package static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    /// Reads what is there, up to `buffer.count` bytes.
    ///
    /// - Returns: The count read; 0 at end of stream or on an error.
    package static func readSome(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0, errno == EINTR { continue }
            return max(count, 0)
        }
    }

    package static func close(_ descriptor: Int32) {
        _ = Glibc.close(descriptor)
    }

    /// Sends a signal; a process that is already gone is not an error.
    package static func signalProcess(_ pid: pid_t, _ signal: Int32) {
        _ = kill(pid, signal)
    }

    /// Sends a signal to every process of the process group `group`; a group
    /// that is already gone is not an error.
    package static func signalProcessGroup(_ group: pid_t, _ signal: Int32) {
        _ = kill(-group, signal)
    }

    /// A descriptor that becomes readable when the process ends (`pidfd_open`),
    /// or nil where the kernel has none.
    package static func processDescriptor(_ pid: pid_t) -> Int32? {
        let descriptor = CConnectorHostSystem_pidfd_open(pid)
        return descriptor >= 0 ? descriptor : nil
    }

    /// Blocks until the descriptor is readable or hung up.
    package static func waitReadable(_ descriptor: Int32) {
        _ = CConnectorHostSystem_wait_readable(descriptor)
    }

    /// Waits until `descriptor` is readable (or hung up) or `wake` is
    /// readable; with `blocking` false, only looks.
    ///
    /// - Returns: Whether `descriptor` is readable or hung up, and whether `wake` is readable.
    package static func waitReadable(
        _ descriptor: Int32, orWakeOn wake: Int32, blocking: Bool
    ) -> (readable: Bool, woken: Bool) {
        var watched = [
            pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let count = poll(&watched, 2, blocking ? -1 : 0)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return (false, false) }
            return (watched[0].revents != 0, watched[1].revents != 0)
        }
    }

    /// Ends reading on a socket: a reader blocked on it sees end of stream once
    /// what is already queued has been read, whoever holds the other end.
    package static func shutdownReading(_ socket: Int32) {
        _ = Glibc.shutdown(socket, Int32(SHUT_RD))
    }

    /// Waits for a child to end.
    ///
    /// - Returns: How it ended.
    package static func waitForExit(_ pid: pid_t) -> ProcessExit {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return .unknown }
        }
        if CConnectorHostSystem_exited(status) != 0 {
            return .exited(CConnectorHostSystem_exit_status(status))
        }
        if CConnectorHostSystem_signaled(status) != 0 {
            return .signaled(CConnectorHostSystem_terminating_signal(status))
        }
        return .unknown
    }

    private static func failure(_ call: String) -> ConnectorHostError {
        ConnectorHostError(.unavailable, "\(call) failed: \(String(cString: strerror(errno)))")
    }
}

/// How a worker process ended.
package enum ProcessExit: Sendable, Hashable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)
    case unknown

    package var description: String {
        switch self {
        case .exited(let status): "exited with status \(status)"
        case .signaled(let number):
            "was killed by signal \(number) (SIG\(CConnectorHostSystem_signal_name(number).map { String(cString: $0) } ?? "?"))"
        case .unknown: "ended for an unknown reason"
        }
    }
}
