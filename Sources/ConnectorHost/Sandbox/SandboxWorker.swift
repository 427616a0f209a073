import Foundation
import Logging
import Synchronization

/// One sandbox worker process and the socket to it: the host side of the
/// sandbox protocol. Many calls are in flight at once, matched by call ID.
///
/// A reader thread takes frames off the socket, hands replies to the waiting
/// callers and, when the socket closes, reaps the process and fails every call
/// still waiting with `plugin_crashed`, naming the signal or exit status.
/// Callers write their frames themselves, under a lock.
package final class SandboxWorker: Sendable {
    private struct Calls {
        var waiting: [UInt64: CheckedContinuation<Frame, any Error>] = [:]
        var nextID: UInt64 = 1
        /// Set once the socket has closed: why later calls fail at once.
        var ended: ConnectorHostError?
        var ready: CheckedContinuation<Frame, any Error>?
        var exitWaiters: [CheckedContinuation<ProcessExit, Never>] = []
        var exit: ProcessExit?
        /// Abandoned calls the worker has not answered yet.
        var unanswered: Set<UInt64> = []
        /// The host asked the worker to exit: its end is no crash.
        var stopRequested = false
    }

    package let pid: pid_t
    package let pluginPath: String
    private let socket: Int32
    private let frameLimit: Int
    private let calls = Mutex(Calls())
    private let writeLock = Mutex(())
    private let logger: Logger
    private let clock: any HostClock
    private let hangGrace: Duration

    private init(
        pid: pid_t, socket: Int32, pluginPath: String, frameLimit: Int, clock: any HostClock, hangGrace: Duration,
        logger: Logger
    ) {
        self.pid = pid
        self.socket = socket
        self.pluginPath = pluginPath
        self.frameLimit = frameLimit
        self.clock = clock
        self.hangGrace = hangGrace
        self.logger = logger
    }

    /// Starts a worker for `pluginPath`; it is ready for ``handshake(_:)``.
    ///
    /// - Parameters:
    ///   - executable: The `connector-host-worker` binary.
    ///   - pluginPath: The plugin the worker will load.
    ///   - frameLimit: The largest frame either side accepts.
    ///   - clock: Times the grace period of abandoned calls.
    ///   - hangGrace: How long an abandoned call may stay unanswered before the
    ///     worker counts as hung and is killed.
    ///   - logger: Where the plugin's log lines and output go.
    /// - Throws: `unavailable` when the process cannot be started.
    package static func launch(
        executable: String, pluginPath: String, frameLimit: Int, clock: any HostClock, hangGrace: Duration,
        logger: Logger
    ) async throws(ConnectorHostError) -> SandboxWorker {
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
                executable: executable, arguments: ["--parent", String(getpid())],
                socket: workerEnd, standardOutput: output.write, standardError: errors.write
            )
        } catch {
            [hostEnd, workerEnd, output.read, output.write, errors.read, errors.write].forEach(Descriptors.close)
            throw error
        }
        [workerEnd, output.write, errors.write].forEach(Descriptors.close)
        var logger = logger
        logger[metadataKey: "pid"] = "\(pid)"
        let worker = SandboxWorker(
            pid: pid, socket: hostEnd, pluginPath: pluginPath, frameLimit: frameLimit, clock: clock,
            hangGrace: hangGrace, logger: logger
        )
        PluginOutputLog.follow(standardOutput: output.read, standardError: errors.read, logger: logger)
        let thread = Thread { worker.readFrames() }
        thread.name = "connector-host-worker-\(pid)"
        thread.start()
        return worker
    }

    /// Sends the hello and waits for the worker to load the plugin.
    ///
    /// - Parameter hello: What to load, under which limits.
    /// - Returns: The plugin's description as the worker read it.
    /// - Throws: The load failure the worker reported, or `plugin_crashed` when
    ///   the worker died while loading.
    package func handshake(_ hello: SandboxProtocol.Hello) async throws(ConnectorHostError) -> SandboxProtocol.Ready {
        let frame: Frame
        do {
            frame = try await withCheckedThrowingContinuation { continuation in
                let ended: ConnectorHostError? = calls.withLock { calls in
                    if let ended = calls.ended { return ended }
                    calls.ready = continuation
                    return nil
                }
                if let ended {
                    continuation.resume(throwing: ended)
                } else {
                    // Should the socket be closed, the reader thread fails the wait.
                    send(Frame(.hello, payload: SandboxProtocol.json(hello)))
                }
            }
        } catch {
            throw Self.hostError(error)
        }
        switch frame.kind {
        case .ready:
            do {
                return try SandboxProtocol.decodeJSON(SandboxProtocol.Ready.self, frame.payload)
            } catch {
                kill()
                throw ConnectorHostError(.pluginCrashed, "the sandbox worker sent a broken handshake: \(error)")
            }
        case .loadFailed:
            let failure = try? SandboxProtocol.decodeJSON(SandboxProtocol.Failure.self, frame.payload)
            throw failure?.error ?? ConnectorHostError(.abiMismatch, "\(pluginPath): the plugin failed to load")
        default:
            kill()
            throw ConnectorHostError(.pluginCrashed, "the sandbox worker answered the handshake with a \(frame.kind) frame")
        }
    }

    /// Calls one operation in the worker.
    ///
    /// Cancelling the calling task abandons the call at once: the worker is told
    /// (the plugin sees `is_cancelled`), and the call fails with `timeout`.
    ///
    /// - Returns: The plugin's reply.
    /// - Throws: `plugin_crashed` when the worker dies first, `plugin_error` when
    ///   the reply breaks the frame limit, `timeout` when abandoned.
    package func call(_ call: SandboxProtocol.Call) async throws(ConnectorHostError) -> PluginReply {
        let id = calls.withLock { calls in
            defer { calls.nextID += 1 }
            return calls.nextID
        }
        let frame: Frame
        do {
            frame = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let ended: ConnectorHostError? = calls.withLock { calls in
                        if let ended = calls.ended { return ended }
                        if Task.isCancelled { return Self.abandoned }
                        calls.waiting[id] = continuation
                        return nil
                    }
                    if let ended {
                        continuation.resume(throwing: ended)
                        return
                    }
                    send(Frame(.call, callID: id, payload: call.encoded))
                }
            } onCancel: {
                abandon(id)
            }
        } catch {
            throw Self.hostError(error)
        }
        switch frame.kind {
        case .reply:
            do {
                return try SandboxProtocol.decodeReply(frame.payload)
            } catch {
                throw ConnectorHostError(.pluginError, "the sandbox worker sent a broken reply: \(error)")
            }
        case .callFailed:
            let failure = try? SandboxProtocol.decodeJSON(SandboxProtocol.Failure.self, frame.payload)
            throw failure?.error ?? ConnectorHostError(.pluginError, "the call failed in the sandbox worker")
        default:
            throw ConnectorHostError(.pluginError, "the sandbox worker answered a call with a \(frame.kind) frame")
        }
    }

    /// Calls still waiting for their reply.
    package var callsInFlight: Int { calls.withLock { $0.waiting.count } }

    /// Whether the socket has closed (the worker is gone or going).
    package var hasEnded: Bool { calls.withLock { $0.ended != nil } }

    /// Asks the worker to close its sessions and exit.
    package func shutdown() {
        calls.withLock { $0.stopRequested = true }
        send(Frame(.shutdown))
    }

    /// Asks the worker to exit and waits for it; kills it if it has not exited
    /// within `grace`.
    package func stop(within grace: Duration) async {
        shutdown()
        let exited = await withTaskGroup(of: Bool.self) { [clock] group in
            group.addTask {
                _ = await self.exit()
                return true
            }
            group.addTask {
                (try? await clock.sleep(for: grace)) == nil
            }
            let first = await group.next() ?? false
            group.cancelAll()
            if !first { kill() }
            return first
        }
        if !exited { _ = await exit() }
    }

    /// Kills the worker at once (SIGKILL); waiting calls fail with `plugin_crashed`.
    package func kill() {
        Descriptors.signalProcess(pid, SIGKILL)
    }

    /// Waits until the process has ended and been reaped.
    package func exit() async -> ProcessExit {
        await withCheckedContinuation { continuation in
            let exit: ProcessExit? = calls.withLock { calls in
                if let exit = calls.exit { return exit }
                calls.exitWaiters.append(continuation)
                return nil
            }
            if let exit { continuation.resume(returning: exit) }
        }
    }

    private static let abandoned = ConnectorHostError(.timeout, "the call was abandoned before the plugin answered")

    /// Gives up on a call: the caller is told at once, the worker is told to
    /// cancel, and if the worker has not answered within the grace period it
    /// counts as hung and is killed (and so restarted by its supervisor).
    private func abandon(_ id: UInt64) {
        let waiting = calls.withLock { calls in
            let waiting = calls.waiting.removeValue(forKey: id)
            if waiting != nil { calls.unanswered.insert(id) }
            return waiting
        }
        guard let waiting else { return }
        waiting.resume(throwing: Self.abandoned)
        send(Frame(.cancel, callID: id))
        let deadline = clock.now + hangGrace
        Task { [self] in
            try? await clock.sleep(until: deadline)
            let hung = calls.withLock { $0.ended == nil && $0.unanswered.contains(id) }
            guard hung else { return }
            logger.error("sandbox worker did not answer an abandoned call within \(hangGrace.secondsText); killing it")
            kill()
        }
    }

    @discardableResult
    private func send(_ frame: Frame) -> Bool {
        let bytes = frame.encoded
        return writeLock.withLock { _ in
            bytes.withUnsafeBytes { Descriptors.sendAll(socket, $0) }
        }
    }

    // MARK: - Reader thread

    private func readFrames() {
        var decoder = FrameDecoder(limit: frameLimit)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 8)
        defer { buffer.deallocate() }
        var violation: WireError?
        reading: while true {
            let count = Descriptors.readSome(socket, into: buffer)
            if count == 0 { break }
            decoder.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            do {
                while let frame = try decoder.next() { deliver(frame) }
            } catch {
                violation = error
                break reading
            }
        }
        if let violation {
            logger.error("sandbox worker broke the protocol; killing it", metadata: ["reason": "\(violation)"])
            kill()
        }
        Descriptors.close(socket)
        let exit = Descriptors.waitForExit(pid)
        let reason = violation.map { "broke the sandbox protocol (\($0)) and was killed" } ?? "\(exit)"
        let ended = ConnectorHostError(.pluginCrashed, "the plugin's sandbox worker (pid \(pid)) \(reason)")
        let asked = calls.withLock { $0.stopRequested } && exit == .exited(0)
        logger.log(level: asked ? .debug : .warning, "sandbox worker ended", metadata: ["exit": "\(exit)"])
        let (waiting, ready, exitWaiters) = calls.withLock { calls in
            calls.ended = ended
            calls.exit = exit
            defer {
                calls.waiting.removeAll()
                calls.ready = nil
                calls.exitWaiters.removeAll()
            }
            return (Array(calls.waiting.values), calls.ready, calls.exitWaiters)
        }
        waiting.forEach { $0.resume(throwing: ended) }
        ready?.resume(throwing: ended)
        exitWaiters.forEach { $0.resume(returning: exit) }
    }

    private func deliver(_ frame: Frame) {
        switch frame.kind {
        case .reply, .callFailed:
            let waiting = calls.withLock { calls in
                // An abandoned call's late answer: no one waits, but the worker is alive.
                calls.unanswered.remove(frame.callID)
                return calls.waiting.removeValue(forKey: frame.callID)
            }
            waiting?.resume(returning: frame)
        case .ready, .loadFailed:
            let ready = calls.withLock { calls in
                defer { calls.ready = nil }
                return calls.ready
            }
            ready?.resume(returning: frame)
        case .log:
            guard let (level, message) = try? SandboxProtocol.decodeLog(frame.payload) else { return }
            logger.log(level: Logger.Level(abiLevel: level), "\(message)", metadata: ["source": "plugin"])
        case .hello, .call, .cancel, .shutdown:
            logger.warning("sandbox worker sent a host-to-worker frame; ignored", metadata: ["kind": "\(frame.kind)"])
        }
    }

    private static func hostError(_ error: any Error) -> ConnectorHostError {
        (error as? ConnectorHostError) ?? ConnectorHostError(.unavailable, "\(error)")
    }
}
