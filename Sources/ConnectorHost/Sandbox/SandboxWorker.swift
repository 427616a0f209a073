import Foundation
import Logging
import Synchronization

/// One sandbox worker process and the socket to it: the host side of the
/// sandbox protocol. Many calls are in flight at once, matched by call ID.
///
/// A reader thread takes frames off the socket, hands replies to the waiting
/// callers and, when the socket closes, reaps the process and fails every call
/// still waiting with `plugin_crashed`, naming the signal or exit status.
///
/// The end of the process, not of the socket, is what counts: a process the
/// plugin started may hold the worker's end of the socket forever. An exit
/// watch thread waits on a pidfd; when the worker ends it kills the worker's
/// process group (what a PID namespace does by itself) and shuts down reading
/// on the host's end, so the reader sees end of stream after the last frame
/// the worker wrote. Calls pay nothing for it.
/// Callers write their frames themselves, through a ``FrameOutbox``.
///
/// Time limits are kept here, where a call can actually be cut off: one loop
/// per worker (``enforceDeadlines()``, run by whoever supervises the worker)
/// sleeps until the earliest deadline on the injected clock, fails what has
/// expired with `timeout` and kills a worker that leaves an abandoned call
/// unanswered past the hang grace — no timer per call.
package final class SandboxWorker: Sendable {
    private struct Waiter {
        let continuation: CheckedContinuation<Frame, any Error>
        let plugin: String
        let operation: String
        let timeLimit: Duration?
        let deadline: Duration?
    }

    private struct Calls {
        var waiting: [UInt64: Waiter] = [:]
        /// Set once the socket has closed: why later calls fail at once.
        var ended: ConnectorHostError?
        var ready: CheckedContinuation<Frame, any Error>?
        var exitWaiters: [CheckedContinuation<ProcessExit, Never>] = []
        var exit: ProcessExit?
        /// Abandoned calls the worker has not answered yet, and when each
        /// makes the worker count as hung.
        var unanswered: [UInt64: Duration] = [:]
        /// Waiting for every abandoned call to be answered (or the worker to end), by token.
        var answerWaiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
        /// When the deadline watcher wakes next.
        var watcherWakesAt: Duration = .zero
        /// Resumed to wake the watcher early, for a deadline before its wake time.
        var watcherAlarm: CheckedContinuation<Void, Never>?
        /// Such a deadline came while the watcher was between reading the
        /// calls and setting its alarm: it must not go to sleep.
        var alarmRang = false
        /// The exit watch saw the process end: it is a zombie, or reaped, and
        /// its PID must not be signalled any more.
        var processEnded = false
    }

    package let pid: pid_t
    package let pluginPath: String
    /// Whether the process runs under bubblewrap, whose exit status stands
    /// for the worker's (128 + N for signal N).
    private let namespaced: Bool
    private let socket: Int32
    private let frameLimit: Int
    private let calls = Mutex(Calls())
    private let nextCallID = Atomic<UInt64>(1)
    /// Keys of waits for abandoned calls' answers.
    private let nextWaiterToken = Atomic<UInt64>(1)
    private let outbox: FrameOutbox
    private let logger: Logger
    private let clock: any HostClock
    private let hangGrace: Duration
    /// The reader thread, as an executor a caller may prefer (``ReplyExecutor``).
    package let replyExecutor: ReplyExecutor

    private init(
        pid: pid_t, namespaced: Bool, socket: Int32, pluginPath: String, frameLimit: Int, clock: any HostClock,
        hangGrace: Duration, replyExecutor: ReplyExecutor, logger: Logger
    ) {
        self.replyExecutor = replyExecutor
        self.pid = pid
        self.namespaced = namespaced
        self.socket = socket
        outbox = FrameOutbox(socket: socket)
        self.pluginPath = pluginPath
        self.frameLimit = frameLimit
        self.clock = clock
        self.hangGrace = hangGrace
        self.logger = logger
    }

    /// Starts a worker for `pluginPath`; it is ready for ``handshake(_:)``.
    ///
    /// - Parameters:
    ///   - command: How to start the worker (``WorkerCommand``).
    ///   - namespaced: Whether `command` runs it under bubblewrap.
    ///   - pluginPath: The plugin the worker will load.
    ///   - frameLimit: The largest frame either side accepts.
    ///   - clock: Times the grace period of abandoned calls.
    ///   - hangGrace: How long an abandoned call may stay unanswered before the
    ///     worker counts as hung and is killed.
    ///   - logger: Where the plugin's log lines and output go.
    /// - Throws: `unavailable` when the process cannot be started.
    package static func launch(
        command: SpawnCommand, namespaced: Bool, pluginPath: String, frameLimit: Int, clock: any HostClock,
        hangGrace: Duration, logger: Logger
    ) async throws(ConnectorHostError) -> SandboxWorker {
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
        let worker = SandboxWorker(
            pid: pid, namespaced: namespaced, socket: hostEnd, pluginPath: pluginPath, frameLimit: frameLimit,
            clock: clock, hangGrace: hangGrace, replyExecutor: replyExecutor, logger: logger
        )
        PluginOutputLog.follow(standardOutput: output.read, standardError: errors.read, logger: logger)
        // Opened before anyone can reap the child, so it names this process.
        let exitWatch = Descriptors.processDescriptor(pid).map { processDescriptor in
            let watched = DispatchSemaphore(value: 0)
            let thread = Thread {
                worker.watchExit(processDescriptor)
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
                return try SandboxProtocol.decodeReady(frame.payload)
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
    /// - Parameters:
    ///   - call: The operation, session and request.
    ///   - timeLimit: When to give up on the answer; nil for never.
    ///   - pluginName: The plugin's name, for messages.
    /// - Returns: The plugin's reply.
    /// - Throws: `timeout` once the time limit has passed, `plugin_crashed` when
    ///   the worker dies first, `plugin_error` when the reply breaks the frame limit.
    nonisolated(nonsending) package func call(
        _ call: SandboxProtocol.Call, timeLimit: Duration?, pluginName: String
    ) async throws(ConnectorHostError) -> PluginReply {
        let frame = try await exchange(
            .call, payload: call.encoded, plugin: pluginName, operation: call.operation, timeLimit: timeLimit
        )
        switch frame.kind {
        case .reply:
            do {
                return try SandboxProtocol.decodeReply(frame.payload)
            } catch {
                throw ConnectorHostError(.pluginError, "the sandbox worker sent a broken reply: \(error)")
            }
        default:
            throw Self.failure(of: frame)
        }
    }

    /// Calls a custom function in the worker, like ``call(_:timeLimit:pluginName:)``.
    ///
    /// - Returns: The function's result and the status it set.
    nonisolated(nonsending) package func callCustom(
        _ call: SandboxProtocol.CustomCall, timeLimit: Duration?, pluginName: String
    ) async throws(ConnectorHostError) -> CustomReply {
        let frame = try await exchange(
            .customCall, payload: call.encoded, plugin: pluginName, operation: call.request.function, timeLimit: timeLimit
        )
        switch frame.kind {
        case .customReply:
            do {
                return try SandboxProtocol.decodeCustomReply(frame.payload)
            } catch {
                throw ConnectorHostError(.pluginError, "the sandbox worker sent a broken result: \(error)")
            }
        default:
            throw Self.failure(of: frame)
        }
    }

    /// Sends a call frame and waits for the frame that answers it.
    nonisolated(nonsending) private func exchange(
        _ kind: Frame.Kind, payload: [UInt8], plugin: String, operation: String, timeLimit: Duration?
    ) async throws(ConnectorHostError) -> Frame {
        let id = nextCallID.add(1, ordering: .relaxed).oldValue
        let deadline = timeLimit.map { clock.now + $0 }
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    var alarm: CheckedContinuation<Void, Never>?
                    let ended: ConnectorHostError? = calls.withLock { calls in
                        if let ended = calls.ended { return ended }
                        if Task.isCancelled { return Self.abandoned }
                        calls.waiting[id] = Waiter(
                            continuation: continuation, plugin: plugin, operation: operation,
                            timeLimit: timeLimit, deadline: deadline
                        )
                        if let deadline, deadline < calls.watcherWakesAt {
                            alarm = calls.watcherAlarm
                            calls.watcherAlarm = nil
                            calls.alarmRang = alarm == nil
                        }
                        return nil
                    }
                    if let ended {
                        continuation.resume(throwing: ended)
                        return
                    }
                    alarm?.resume()
                    send(Frame(kind, callID: id, payload: payload))
                }
            } onCancel: {
                abandon(id, because: Self.abandoned)
            }
        } catch {
            throw Self.hostError(error)
        }
    }

    /// The error a `callFailed` frame (or any unexpected answer) stands for.
    private static func failure(of frame: Frame) -> ConnectorHostError {
        guard frame.kind == .callFailed else {
            return ConnectorHostError(.pluginError, "the sandbox worker answered a call with a \(frame.kind) frame")
        }
        let failure = try? SandboxProtocol.decodeJSON(SandboxProtocol.Failure.self, frame.payload)
        return failure?.error ?? ConnectorHostError(.pluginError, "the call failed in the sandbox worker")
    }

    /// Calls sent so far: whether any call was made between two readings.
    package var callsSent: UInt64 { nextCallID.load(ordering: .relaxed) - 1 }

    /// Calls still waiting for their reply.
    package var callsInFlight: Int { calls.withLock { $0.waiting.count } }

    /// Calls given up on (timed out, cancelled) that the worker has not answered:
    /// each may still hold one of the plugin's call slots.
    package var abandonedCalls: Int { calls.withLock { $0.unanswered.count } }

    /// Waits until the worker has answered every abandoned call (the plugin
    /// saw `is_cancelled` and returned) or has ended, or `deadline` passes.
    ///
    /// - Returns: Whether the abandoned calls were answered (or the worker ended) in time.
    package func answersAbandonedCalls(before deadline: Duration) async -> Bool {
        let token = nextWaiterToken.add(1, ordering: .relaxed).oldValue
        return await withTaskGroup(of: Bool.self) { [clock] group in
            group.addTask { await self.abandonedCallsAnswered(token) }
            group.addTask {
                _ = try? await clock.sleep(until: deadline)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            // The waiter is resumed once: by an answer, the end, or here.
            if !first { calls.withLock { $0.answerWaiters.removeValue(forKey: token) }?.resume(returning: false) }
            return first
        }
    }

    private func abandonedCallsAnswered(_ token: UInt64) async -> Bool {
        await withCheckedContinuation { continuation in
            let now: Bool = calls.withLock { calls in
                guard calls.ended == nil, !calls.unanswered.isEmpty else { return true }
                calls.answerWaiters[token] = continuation
                return false
            }
            if now { continuation.resume(returning: true) }
        }
    }

    /// Whether the socket has closed (the worker is gone or going).
    package var hasEnded: Bool { calls.withLock { $0.ended != nil } }

    /// Tells the worker that every call waiting now is cancelled (its plugin
    /// sees `is_cancelled`); the calls keep waiting for their answers.
    package func cancelAllCalls() {
        let ids = calls.withLock { Array($0.waiting.keys) }
        for id in ids { send(Frame(.cancel, callID: id)) }
    }

    /// Fails every call waiting now with `error`, as if abandoned: the worker is
    /// told, and one that does not answer within the hang grace is killed.
    package func failAllCalls(with error: ConnectorHostError) {
        let ids = calls.withLock { Array($0.waiting.keys) }
        for id in ids { abandon(id, because: error) }
    }

    /// Asks the worker to close its sessions and exit.
    package func shutdown() {
        send(Frame(.shutdown))
    }

    /// Asks the worker to exit and waits for it; kills it if it has not exited
    /// within `grace`.
    package func stop(within grace: Duration) async {
        shutdown()
        // Deadlines are fixed before any task starts, so that how soon a task
        // runs never moves them.
        let deadline = clock.now + grace
        let exited = await withTaskGroup(of: Bool.self) { [clock] group in
            group.addTask {
                _ = await self.exit()
                return true
            }
            group.addTask {
                (try? await clock.sleep(until: deadline)) == nil
            }
            let first = await group.next() ?? false
            group.cancelAll()
            if !first { kill() }
            return first
        }
        if !exited { _ = await exit() }
    }

    /// Kills the worker at once (SIGKILL), and what it started; waiting calls
    /// fail with `plugin_crashed`.
    package func kill() {
        calls.withLock { calls in
            guard !calls.processEnded else { return }
            Descriptors.signalProcess(pid, SIGKILL)
            Descriptors.signalProcessGroup(pid, SIGKILL)
        }
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

    /// Gives up on a call: its caller is told `error` at once, the worker is
    /// told to cancel, and if the worker has not answered within the grace
    /// period it counts as hung and is killed (and so restarted by its supervisor).
    private func abandon(_ id: UInt64, because error: ConnectorHostError) {
        let hungAt = clock.now + hangGrace
        var alarm: CheckedContinuation<Void, Never>?
        let waiter = calls.withLock { calls in
            let waiter = calls.waiting.removeValue(forKey: id)
            if waiter != nil {
                calls.unanswered[id] = hungAt
                if hungAt < calls.watcherWakesAt {
                    alarm = calls.watcherAlarm
                    calls.watcherAlarm = nil
                    calls.alarmRang = alarm == nil
                }
            }
            return waiter
        }
        guard let waiter else { return }
        waiter.continuation.resume(throwing: error)
        send(Frame(.cancel, callID: id))
        alarm?.resume()
    }

    /// Fails calls whose time limit has passed, and kills the worker when an
    /// abandoned call stays unanswered past the hang grace (its supervisor
    /// then restarts it). Sleeps until the earliest deadline; with no call
    /// waiting, for the last time limit seen, which no later call of the same
    /// limit can undercut (a shorter one sounds the alarm). Returns when the
    /// worker ends, or when cancelled.
    package func enforceDeadlines() async {
        var idle: Duration = .seconds(30)
        // Once killed, the worker's end comes from the reader thread.
        var killed = false
        while !Task.isCancelled {
            let now = clock.now
            let (expired, hung, wakeAt, ended) = calls.withLock { calls -> ([(UInt64, Waiter)], Bool, Duration, Bool) in
                let expired = calls.waiting.filter { $0.value.deadline.map { $0 <= now } ?? false }
                let hung = calls.unanswered.values.contains { $0 <= now }
                let next = (calls.waiting.values.compactMap(\.deadline) + calls.unanswered.values).filter { $0 > now }.min()
                calls.watcherWakesAt = next ?? now + idle
                // Every call so far is accounted for in the wake time.
                calls.alarmRang = false
                return (Array(expired), hung, calls.watcherWakesAt, calls.ended != nil)
            }
            if ended { return }
            if hung, !killed {
                killed = true
                logger.error("sandbox worker did not answer an abandoned call within \(hangGrace.secondsText); killing it")
                kill()
            }
            for (id, waiter) in expired {
                if let limit = waiter.timeLimit { idle = limit }
                abandon(id, because: ConnectorHostError(
                    .timeout, "\(waiter.plugin) \(waiter.operation) did not answer within \(waiter.timeLimit?.secondsText ?? "its time limit")"
                ))
            }
            await sleepOrAlarm(until: wakeAt)
        }
    }

    private func sleepOrAlarm(until deadline: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [clock] in try? await clock.sleep(until: deadline) }
            group.addTask { [self] in await alarm() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns when a call brings a deadline earlier than the watcher's wake
    /// time, when the worker ends, or when cancelled.
    private func alarm() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ringNow = calls.withLock { calls -> Bool in
                    guard calls.ended == nil, !Task.isCancelled, !calls.alarmRang else { return true }
                    calls.watcherAlarm = continuation
                    return false
                }
                if ringNow { continuation.resume() }
            }
        } onCancel: {
            let alarm = calls.withLock { calls in
                defer { calls.watcherAlarm = nil }
                return calls.watcherAlarm
            }
            alarm?.resume()
        }
    }

    @discardableResult
    private func send(_ frame: Frame) -> Bool {
        outbox.send(frame)
    }

    // MARK: - Exit watch and reader threads

    /// Waits for the process to end, then kills its process group and ends the
    /// reading, so that no descriptor a plugin's process holds keeps the reader
    /// waiting. The reader reaps only after this returns: the PID and the
    /// socket stay this process's meanwhile.
    private func watchExit(_ processDescriptor: Int32) {
        Descriptors.waitReadable(processDescriptor)
        calls.withLock { calls in
            calls.processEnded = true
            Descriptors.signalProcessGroup(pid, SIGKILL)
        }
        Descriptors.shutdownReading(socket)
        Descriptors.close(processDescriptor)
    }

    private func readFrames(exitWatch: DispatchSemaphore?) {
        var decoder = FrameDecoder(limit: frameLimit)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 8)
        defer { buffer.deallocate() }
        replyExecutor.adoptCurrentThread()
        var violation: WireError?
        reading: while true {
            let mayWait = replyExecutor.park()
            let readable = Descriptors.waitReadable(socket, orWakeOn: replyExecutor.wakeDescriptor, blocking: mayWait)
            if mayWait { replyExecutor.unpark() }
            if readable {
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
            // Callers that prefer this thread continue here, up to their next call.
            replyExecutor.runPendingJobs()
        }
        replyExecutor.end()
        if let violation {
            logger.error("sandbox worker broke the protocol; killing it", metadata: ["reason": "\(violation)"])
            kill()
        }
        exitWatch?.wait()
        outbox.release()
        let exit = workerExit(Descriptors.waitForExit(pid))
        let reason = violation.map { "broke the sandbox protocol (\($0)) and was killed" } ?? "\(exit)"
        let ended = ConnectorHostError(.pluginCrashed, "the plugin's sandbox worker (pid \(pid)) \(reason)")
        // Debug only: whoever depends on the worker reports a crash, with context.
        logger.debug("sandbox worker ended", metadata: ["exit": "\(exit)"])
        let (waiting, ready, exitWaiters, alarm, answered) = calls.withLock { calls in
            calls.ended = ended
            calls.exit = exit
            defer {
                calls.waiting.removeAll()
                calls.ready = nil
                calls.exitWaiters.removeAll()
                calls.watcherAlarm = nil
                calls.answerWaiters.removeAll()
            }
            return (
                Array(calls.waiting.values), calls.ready, calls.exitWaiters, calls.watcherAlarm,
                Array(calls.answerWaiters.values)
            )
        }
        answered.forEach { $0.resume(returning: true) }
        waiting.forEach { $0.continuation.resume(throwing: ended) }
        ready?.resume(throwing: ended)
        exitWaiters.forEach { $0.resume(returning: exit) }
        // The deadline watcher sees the end and stops.
        alarm?.resume()
    }

    /// How the worker ended, from how its process ended: bubblewrap exits with
    /// 128 + N when the worker was killed by signal N.
    private func workerExit(_ exit: ProcessExit) -> ProcessExit {
        guard namespaced, case .exited(let status) = exit, (129...(128 + 64)).contains(status) else { return exit }
        return .signaled(status - 128)
    }

    private func deliver(_ frame: Frame) {
        switch frame.kind {
        case .reply, .callFailed, .customReply:
            let (waiting, answered) = calls.withLock { calls in
                // An abandoned call's late answer: no one waits, but the worker is alive.
                var answered: [CheckedContinuation<Bool, Never>] = []
                if calls.unanswered.removeValue(forKey: frame.callID) != nil, calls.unanswered.isEmpty {
                    answered = Array(calls.answerWaiters.values)
                    calls.answerWaiters.removeAll()
                }
                return (calls.waiting.removeValue(forKey: frame.callID), answered)
            }
            waiting?.continuation.resume(returning: frame)
            answered.forEach { $0.resume(returning: true) }
        case .ready, .loadFailed:
            let ready = calls.withLock { calls in
                defer { calls.ready = nil }
                return calls.ready
            }
            ready?.resume(returning: frame)
        case .log:
            guard let (level, message) = try? SandboxProtocol.decodeLog(frame.payload) else { return }
            logger.log(level: Logger.Level(abiLevel: level), "\(message)", metadata: ["source": "plugin"])
        case .hello, .call, .cancel, .shutdown, .customCall:
            logger.warning("sandbox worker sent a host-to-worker frame; ignored", metadata: ["kind": "\(frame.kind)"])
        }
    }

    private static func hostError(_ error: any Error) -> ConnectorHostError {
        (error as? ConnectorHostError) ?? ConnectorHostError(.unavailable, "\(error)")
    }
}
