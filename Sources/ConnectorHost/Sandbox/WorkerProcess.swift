import Foundation
import Synchronization

/// A sandbox worker's process, as the host sees it: its PID, the kill, and
/// how it ended. Its PID is signalled only while it is this host's child that
/// has not ended (the exit watch says when it has), never once it may name
/// another process.
package final class WorkerProcess: Sendable {
    private struct State {
        /// The exit watch saw the process end: it is a zombie, or reaped.
        var ended = false
        var exit: ProcessExit?
        var exitWaiters: [CheckedContinuation<ProcessExit, Never>] = []
    }

    package let pid: pid_t
    /// Whether the process runs under bubblewrap, whose exit status stands
    /// for the worker's (128 + N for signal N).
    private let namespaced: Bool
    private let state = Mutex(State())

    init(pid: pid_t, namespaced: Bool) {
        self.pid = pid
        self.namespaced = namespaced
    }

    /// Kills the worker at once (SIGKILL), and what it started.
    package func kill() {
        state.withLock { state in
            guard !state.ended else { return }
            Descriptors.signalProcess(pid, SIGKILL)
            Descriptors.signalProcessGroup(pid, SIGKILL)
        }
    }

    /// Waits until the process has ended and been reaped.
    package func exit() async -> ProcessExit {
        await withCheckedContinuation { continuation in
            let exit: ProcessExit? = state.withLock { state in
                if let exit = state.exit { return exit }
                state.exitWaiters.append(continuation)
                return nil
            }
            if let exit { continuation.resume(returning: exit) }
        }
    }

    /// Blocks the calling (exit watch) thread until the process ends, then
    /// kills its process group: what a PID namespace does by itself.
    func waitForEnd(_ processDescriptor: Int32) {
        Descriptors.waitReadable(processDescriptor)
        state.withLock { state in
            state.ended = true
            Descriptors.signalProcessGroup(pid, SIGKILL)
        }
        Descriptors.close(processDescriptor)
    }

    /// Reaps the process, blocking the calling (reader) thread until it ends.
    ///
    /// - Returns: How the worker ended.
    func reap() -> ProcessExit {
        workerExit(Descriptors.waitForExit(pid))
    }

    /// Answers whoever waits for the worker's exit, once its calls are failed.
    func announce(_ exit: ProcessExit) {
        let waiters = state.withLock { state in
            state.exit = exit
            defer { state.exitWaiters.removeAll() }
            return state.exitWaiters
        }
        waiters.forEach { $0.resume(returning: exit) }
    }

    /// How the worker ended, from how its process ended: bubblewrap exits with
    /// 128 + N when the worker was killed by signal N.
    private func workerExit(_ exit: ProcessExit) -> ProcessExit {
        guard namespaced, case .exited(let status) = exit, (129...(128 + 64)).contains(status) else { return exit }
        return .signaled(status - 128)
    }
}
