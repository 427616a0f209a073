import Foundation
import Logging
import Synchronization

/// The host side of one sandbox worker: the host's connection to the worker
/// process (``WorkerProcess``), over which many calls are in flight at once,
/// matched by call ID. (The worker side, in `connector-host-worker`, is
/// ``SandboxWorkerServer``.) Started by ``WorkerLauncher``, greeted by
/// ``WorkerHandshake``.
///
/// A reader thread takes frames off the socket, hands replies to the waiting
/// callers and, when the socket closes, reaps the process and fails every call
/// still waiting with `plugin_crashed`, naming the signal or exit status.
/// Callers write their frames themselves, through a `FrameOutbox`.
///
/// Time limits are kept here, where a call can actually be cut off:
/// ``enforceDeadlines()``, run by whoever supervises the worker, fails what
/// has expired with `timeout` and kills a worker that leaves an abandoned call
/// unanswered past the hang grace (``AbandonedCalls``), woken by one
/// ``CallDeadlineAlarm`` — no timer per call.
package final class WorkerConnection: Sendable {
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
        /// Waiting for the answer to the hello.
        var firstAnswer: CheckedContinuation<Frame, any Error>?
    }

    package let pluginPath: String
    private let process: WorkerProcess
    private let socket: Int32
    private let frameLimit: Int
    private let calls = Mutex(Calls())
    private let nextCallID = Atomic<UInt64>(1)
    private let abandoned = AbandonedCalls()
    private let alarm = CallDeadlineAlarm()
    private let loneCallSpin: LoneCallSpin
    /// Counts answers handed to callers: a spinning caller looks for its own
    /// only when this moves.
    private let answersHanded = Atomic<UInt64>(0)
    private let outbox: FrameOutbox
    private let logger: Logger
    private let clock: any HostClock
    private let hangGrace: Duration
    /// The reader thread, as an executor a caller may prefer (``ReplyExecutor``).
    package let replyExecutor: ReplyExecutor

    init(
        process: WorkerProcess, socket: Int32, pluginPath: String, frameLimit: Int, clock: any HostClock,
        hangGrace: Duration, replyExecutor: ReplyExecutor, loneCallSpin: LoneCallSpin, logger: Logger
    ) {
        self.process = process
        self.loneCallSpin = loneCallSpin
        self.replyExecutor = replyExecutor
        self.socket = socket
        outbox = FrameOutbox(socket: socket)
        self.pluginPath = pluginPath
        self.frameLimit = frameLimit
        self.clock = clock
        self.hangGrace = hangGrace
        self.logger = logger
    }

    /// The worker process's ID.
    package var pid: pid_t { process.pid }

    /// Sends `frame` and waits for the first frame the worker answers with,
    /// which is not an answer to a call: the handshake's.
    ///
    /// - Throws: `plugin_crashed` when the worker ends first.
    func firstAnswer(to frame: Frame) async throws(ConnectorHostError) -> Frame {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let ended: ConnectorHostError? = calls.withLock { calls in
                    if let ended = calls.ended { return ended }
                    calls.firstAnswer = continuation
                    return nil
                }
                if let ended {
                    continuation.resume(throwing: ended)
                } else {
                    // Should the socket be closed, the reader thread fails the wait.
                    send(frame)
                }
            }
        } catch {
            throw Self.hostError(error)
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
                    let (ended, lone) = calls.withLock { calls -> (ConnectorHostError?, Bool) in
                        if let ended = calls.ended { return (ended, false) }
                        if Task.isCancelled { return (Self.abandonment, false) }
                        let lone = calls.waiting.isEmpty
                        calls.waiting[id] = Waiter(
                            continuation: continuation, plugin: plugin, operation: operation,
                            timeLimit: timeLimit, deadline: deadline
                        )
                        return (nil, lone)
                    }
                    if let ended {
                        continuation.resume(throwing: ended)
                        return
                    }
                    if let deadline { alarm.deadlineAdded(deadline) }
                    let handedBefore = answersHanded.load(ordering: .acquiring)
                    send(Frame(kind, callID: id, payload: payload))
                    // The reader thread must stay free to read the answer.
                    if lone, loneCallSpin.shouldSpin(), !replyExecutor.isCurrentThread {
                        loneCallSpin.spin { isAnswered(id, handedSince: handedBefore) }
                    }
                }
            } onCancel: {
                abandon(id, because: Self.abandonment)
            }
        } catch {
            throw Self.hostError(error)
        }
    }

    /// Whether call `id` has been answered (or failed): looked up only when an
    /// answer has been handed to anyone since `handedBefore`.
    private func isAnswered(_ id: UInt64, handedSince handedBefore: UInt64) -> Bool {
        guard answersHanded.load(ordering: .acquiring) != handedBefore else { return false }
        return calls.withLock { $0.waiting[id] == nil }
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
    package var abandonedCalls: Int { abandoned.count }

    /// Waits until the worker has answered every abandoned call (the plugin
    /// saw `is_cancelled` and returned) or has ended, or `deadline` passes.
    ///
    /// - Returns: Whether the abandoned calls were answered (or the worker ended) in time.
    package func answersAbandonedCalls(before deadline: Duration) async -> Bool {
        await abandoned.answered(before: deadline, on: clock)
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
        process.kill()
    }

    /// Waits until the process has ended and been reaped.
    package func exit() async -> ProcessExit {
        await process.exit()
    }

    private static let abandonment = ConnectorHostError(.timeout, "the call was abandoned before the plugin answered")

    /// Gives up on a call: its caller is told `error` at once, the worker is
    /// told to cancel, and if the worker has not answered within the grace
    /// period it counts as hung and is killed (and so restarted by its supervisor).
    private func abandon(_ id: UInt64, because error: ConnectorHostError) {
        let hungAt = clock.now + hangGrace
        let waiter = calls.withLock { calls in
            let waiter = calls.waiting.removeValue(forKey: id)
            if waiter != nil { abandoned.abandoned(id, hungAt: hungAt) }
            return waiter
        }
        guard let waiter else { return }
        waiter.continuation.resume(throwing: error)
        answersHanded.add(1, ordering: .releasing)
        send(Frame(.cancel, callID: id))
        alarm.deadlineAdded(hungAt)
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
        while !Task.isCancelled, !alarm.isStopped {
            alarm.beginRound()
            let now = clock.now
            let (expired, nextCall) = calls.withLock { calls -> ([(UInt64, Waiter)], Duration?) in
                let expired = calls.waiting.filter { $0.value.deadline.map { $0 <= now } ?? false }
                return (Array(expired), calls.waiting.values.compactMap(\.deadline).filter { $0 > now }.min())
            }
            let (hung, nextHang) = abandoned.hang(at: now)
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
            let wakeAt = [nextCall, nextHang].compactMap { $0 }.min() ?? now + idle
            await alarm.sleep(until: wakeAt, on: clock)
        }
    }

    @discardableResult
    private func send(_ frame: Frame) -> Bool {
        outbox.send(frame)
    }

    // MARK: - The reader thread

    /// Reads frames until the socket closes; then waits for the exit watch
    /// (so that the PID and the socket stay this process's meanwhile), reaps
    /// the process and fails whatever still waits.
    func readFrames(exitWatch: DispatchSemaphore?) {
        var decoder = FrameDecoder(limit: frameLimit)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 8)
        defer { buffer.deallocate() }
        replyExecutor.adoptCurrentThread()
        var violation: WireError?
        reading: while true {
            let mayWait = replyExecutor.park()
            let (readable, woken) = Descriptors.waitReadable(socket, orWakeOn: replyExecutor.wakeDescriptor, blocking: mayWait)
            if mayWait { replyExecutor.unpark(woken: woken) }
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
        let exit = process.reap()
        let reason = violation.map { "broke the sandbox protocol (\($0)) and was killed" } ?? "\(exit)"
        let ended = ConnectorHostError(.pluginCrashed, "the plugin's sandbox worker (pid \(pid)) \(reason)")
        // Debug only: whoever depends on the worker reports a crash, with context.
        logger.debug("sandbox worker ended", metadata: ["exit": "\(exit)"])
        let (waiting, firstAnswer) = calls.withLock { calls in
            calls.ended = ended
            defer {
                calls.waiting.removeAll()
                calls.firstAnswer = nil
            }
            return (Array(calls.waiting.values), calls.firstAnswer)
        }
        abandoned.end()
        waiting.forEach { $0.continuation.resume(throwing: ended) }
        answersHanded.add(1, ordering: .releasing)
        firstAnswer?.resume(throwing: ended)
        process.announce(exit)
        // The deadline loop sees the end and stops.
        alarm.stop()
    }

    private func deliver(_ frame: Frame) {
        switch frame.kind {
        case .reply, .callFailed, .customReply:
            let waiting = calls.withLock { $0.waiting.removeValue(forKey: frame.callID) }
            // An abandoned call's late answer: no one waits, but the worker is alive.
            if waiting == nil { abandoned.answered(frame.callID) }
            waiting?.continuation.resume(returning: frame)
            answersHanded.add(1, ordering: .releasing)
        case .ready, .loadFailed:
            let firstAnswer = calls.withLock { calls in
                defer { calls.firstAnswer = nil }
                return calls.firstAnswer
            }
            firstAnswer?.resume(returning: frame)
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
