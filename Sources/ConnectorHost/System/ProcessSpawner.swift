import CConnectorHostSystem
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A program to start: its path, its arguments (after argv[0]) and its whole
/// environment — nothing is inherited from this process.
package struct SpawnCommand: Sendable, Hashable {
    package var executable: String
    package var arguments: [String]
    package var environment: [String: String]

    package init(executable: String, arguments: [String], environment: [String: String]) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
    }
}

/// Starts sandbox workers with `posix_spawn`, always from one dedicated thread
/// that lives as long as the process.
///
/// Why one thread: a worker asks for SIGKILL when its parent dies
/// (`PR_SET_PDEATHSIG`, and bubblewrap's `--die-with-parent`), and Linux
/// delivers that signal when the *thread* that spawned it exits, not the
/// process. Threads of the concurrency pool may come and go; this one never does.
package final class ProcessSpawner: Sendable {
    package static let shared = ProcessSpawner()

    private struct Request {
        let command: SpawnCommand
        let descriptors: (socket: Int32, standardOutput: Int32, standardError: Int32)
        /// Run to completion on the spawner thread (a short probe), rather than return at once.
        let waits: Bool
        let completion: CheckedContinuation<(pid_t, ProcessExit?), any Error>
    }

    private let queue = Mutex<[Request]>([])
    private let wakeUp = DispatchSemaphore(value: 0)

    // No SIGPIPE disposition is touched: an embedder did not ask for that.
    // Every write to a worker is a send() with MSG_NOSIGNAL, which fails with
    // EPIPE when the worker died, without the signal.
    private init() {
        let thread = Thread { [self] in serveRequests() }
        thread.name = "connector-host-spawner"
        thread.start()
    }

    private func serveRequests() {
        while true {
            wakeUp.wait()
            let batch = queue.withLock { requests in
                defer { requests.removeAll() }
                return requests
            }
            for request in batch { Self.spawn(request) }
        }
    }

    /// Starts `command` with the given descriptors as its fds 3, 1 and 2, in a
    /// process group of its own.
    ///
    /// - Returns: The child's process ID.
    /// - Throws: `unavailable` when `posix_spawn` fails.
    package func spawn(
        _ command: SpawnCommand, socket: Int32, standardOutput: Int32, standardError: Int32
    ) async throws(ConnectorHostError) -> pid_t {
        try await submit(command, (socket, standardOutput, standardError), waits: false).0
    }

    /// Runs a short-lived `command` to its end, like ``spawn(_:socket:standardOutput:standardError:)``.
    /// It blocks the spawner thread meanwhile: for probes that end at once.
    ///
    /// - Returns: How it ended.
    package func run(
        _ command: SpawnCommand, socket: Int32, standardOutput: Int32, standardError: Int32
    ) async throws(ConnectorHostError) -> ProcessExit {
        try await submit(command, (socket, standardOutput, standardError), waits: true).1 ?? .unknown
    }

    private func submit(
        _ command: SpawnCommand, _ descriptors: (Int32, Int32, Int32), waits: Bool
    ) async throws(ConnectorHostError) -> (pid_t, ProcessExit?) {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                queue.withLock {
                    $0.append(Request(command: command, descriptors: descriptors, waits: waits, completion: continuation))
                }
                wakeUp.signal()
            }
        } catch let error as ConnectorHostError {
            throw error
        } catch {
            throw ConnectorHostError(.unavailable, "cannot start \(command.executable): \(error)")
        }
    }

    private static func spawn(_ request: Request) {
        let command = request.command
        let argv = ([command.executable] + command.arguments).map { strdup($0) } + [nil]
        let environment = command.environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            environment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = CConnectorHostSystem_spawn(
            command.executable, argv, environment, request.descriptors.socket, request.descriptors.standardOutput,
            request.descriptors.standardError, &pid
        )
        if result == 0 {
            request.completion.resume(returning: (pid, request.waits ? Descriptors.waitForExit(pid) : nil))
        } else {
            request.completion.resume(throwing: ConnectorHostError(
                .unavailable,
                "cannot start the sandbox worker \(command.executable): posix_spawn: \(String(cString: strerror(result)))"
            ))
        }
    }
}
