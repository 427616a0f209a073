import Foundation
import Logging

/// Starts a sandbox worker process and what watches it: a socket pair for the
/// protocol, pipes for the plugin's output, the exit watch thread (which waits
/// on a pidfd) and the reader thread of its ``WorkerConnection``.
enum WorkerLauncher {
    /// Starts a worker for `pluginPath`; it is ready for ``WorkerHandshake``.
    ///
    /// - Parameters:
    ///   - command: How to start the worker (``WorkerCommand``).
    ///   - namespaced: Whether `command` runs it under bubblewrap.
    ///   - pluginPath: The plugin the worker will load.
    ///   - frameLimit: The largest frame either side accepts.
    ///   - clock: Times call deadlines and the grace period of abandoned calls.
    ///   - hangGrace: How long an abandoned call may stay unanswered before the
    ///     worker counts as hung and is killed.
    ///   - loneCallSpin: How the caller of a lone call waits for its answer.
    ///   - logger: Where the plugin's log lines and output go.
    /// - Throws: `unavailable` when the process cannot be started.
    static func launch(
        command: SpawnCommand, namespaced: Bool, pluginPath: String, frameLimit: Int, clock: any HostClock,
        hangGrace: Duration, loneCallSpin: LoneCallSpin, logger: Logger
    ) async throws(ConnectorHostError) -> WorkerConnection {
        let replyExecutor = try ReplyExecutor()
        let (hostEnd, workerEnd) = try Descriptors.socketPair()
        let output: (read: Int32, write: Int32)
        let errors: (read: Int32, write: Int32)
        do {
            output = try Descriptors.pipe()
            errors = try Descriptors.pipe()
        } catch {
            Descriptors.close(hostEnd)
            Descriptors.close(workerEnd)
            throw error
        }
        let pid: pid_t
        do {
            pid = try await ProcessSpawner.shared.spawn(
                command, socket: workerEnd, standardOutput: output.write, standardError: errors.write
            )
        } catch {
            [hostEnd, workerEnd, output.read, output.write, errors.read, errors.write].forEach(Descriptors.close)
            throw error
        }
        [workerEnd, output.write, errors.write].forEach(Descriptors.close)
        var logger = logger
        logger[metadataKey: "pid"] = "\(pid)"
        let process = WorkerProcess(pid: pid, namespaced: namespaced)
        let worker = WorkerConnection(
            process: process, socket: hostEnd, pluginPath: pluginPath, frameLimit: frameLimit, clock: clock,
            hangGrace: hangGrace, replyExecutor: replyExecutor, loneCallSpin: loneCallSpin, logger: logger
        )
        PluginOutputLog.follow(standardOutput: output.read, standardError: errors.read, logger: logger)
        // Opened before anyone can reap the child, so it names this process.
        // The end of the process, not of the socket, is what counts: a process
        // the plugin started may hold the worker's end of the socket forever.
        // Once it ends, reading is shut down: the reader sees end of stream
        // after the last frame the worker wrote, and reaps only then.
        let exitWatch = Descriptors.processDescriptor(pid).map { processDescriptor in
            let watched = DispatchSemaphore(value: 0)
            let thread = Thread {
                process.waitForEnd(processDescriptor)
                Descriptors.shutdownReading(hostEnd)
                watched.signal()
            }
            thread.name = "connector-host-worker-exit-\(pid)"
            thread.start()
            return watched
        }
        let thread = Thread { worker.readFrames(exitWatch: exitWatch) }
        thread.name = "connector-host-worker-\(pid)"
        thread.start()
        return worker
    }
}
