import Logging
import Synchronization

/// Runs a plugin in its own worker process, started on demand: the runtime
/// begins `idle`, the first call (or ``warmUp()``) starts a worker, and a worker
/// that serves no call for ``SandboxSettings/idleTimeout`` is stopped, back to
/// `idle`. A crash fails the calls in flight with `plugin_crashed`, and the
/// worker is restarted after a delay that doubles with every crash in the crash
/// window; a plugin that crashes `quarantineThreshold` times within the window
/// is quarantined: no worker, calls fail at once with `unavailable`, until an
/// operator restarts it or its file changes (a new build with the same
/// manifest; another manifest needs a reload).
package final class SandboxRuntime: PluginRuntime {
    /// The worker's whole lifecycle, under one lock: whether one runs, is being
    /// started, waits for a restart or is kept from running, and who holds it.
    /// The call path and the idle stop decide under the same lock, so a stop
    /// never takes a worker a call holds or waits for.
    private struct State {
        var phase: RuntimeReport.Phase = .idle
        var worker: WorkerConnection?
        /// Calls in flight or waiting for a worker, and callers between the
        /// exchanges of one call (``hold()``): while any, no idle stop.
        var holds = 0
        /// When the last hold ended or the worker started: its idle period counts from here.
        var lastUse: Duration = .zero
        /// How isolated the last worker started is.
        var isolation: SandboxIsolation?
        /// The start under way, which every caller needing a worker waits for.
        var starter: SharedOutcome<WorkerConnection>?
        var crashes: [Duration] = []
        var lastCrash: String?
        var restarts = 0
        /// The source file's size and mtime when quarantined: a new build lifts it.
        var quarantinedVersion: PluginFile.Version?
        /// The kept copy of the build that workers load; nil until the first
        /// worker's start keeps it.
        var servedPath: String?
        /// Why the plugin is degraded: a worker used CPU with no call in flight
        /// and was recycled. Cleared once its successor has served a whole
        /// interval without doing the same, or by an operator's restart.
        var idleSpin: String?
        /// The proxy the plugin's declared hosts are reached through; made with the first worker.
        var egress: EgressProxy?
    }

    package let description: PluginDescription
    private let source: BuildSource
    private let name: String
    private let policy: ResiliencePolicy
    private let settings: SandboxSettings
    private let clock: any HostClock
    private let logger: Logger
    private let state: Mutex<State>
    private let onQuarantine: @Sendable (String) -> Void
    private let onIdleStop: @Sendable () -> Void
    /// Starts, supervision of each worker (its exit, deadlines, hang kills,
    /// idle stop and idle CPU) and restarts: child tasks of this runtime's own
    /// loop, which runs as a child of the host's ``ConnectorHost/run()``.
    private let tasks = SupervisedTasks()

    /// - Parameters:
    ///   - description: What scanning read from the file; every worker must load
    ///     the same plugin.
    ///   - pluginPath: The kept copy of the build that was scanned, which
    ///     workers load; nil to keep it at the first worker's start
    ///   (`source.keepAdmitted`).
    ///   - source: The file it came from, watched for a new build while quarantined.
    ///   - policy: Supplies the worker's resource limits.
    ///   - settings: Worker binary, limits, restart and quarantine rules.
    ///   - clock: The time source of restart delays and crash windows.
    ///   - logger: Where transitions and the plugin's output go.
    ///   - onQuarantine: Told why, when crashes quarantine the plugin.
    ///   - onIdleStop: Told, under the lock the call path takes, that the
    ///     worker stopped for want of calls: whatever lived in it (sessions)
    ///     is gone, and no call can be using it.
    ///   - supervisor: Runs this runtime's loop of background work; no worker
    ///     starts until it does.
    package init(
        description: PluginDescription, pluginPath: String?, source: BuildSource, policy: ResiliencePolicy,
        settings: SandboxSettings, clock: any HostClock, logger: Logger, onQuarantine: @escaping @Sendable (String) -> Void = { _ in },
        onIdleStop: @escaping @Sendable () -> Void = {}, supervisor: SupervisedTasks
    ) {
        self.onQuarantine = onQuarantine
        self.onIdleStop = onIdleStop
        self.description = description
        name = description.manifest.name
        self.source = source
        state = Mutex(State(servedPath: pluginPath))
        self.policy = policy
        // A declarative connector's own definition names the hosts it reaches.
        var settings = settings
        settings.allowedHosts += description.egressHosts.filter { !settings.allowedHosts.contains($0) }
        self.settings = settings
        self.clock = clock
        self.logger = logger
        // Refused once the host has shut down: so is every start, then.
        if !supervisor.submit({ [tasks] in await tasks.run() }) { tasks.finish() }
    }

    package var isInterruptible: Bool { true }

    package var report: RuntimeReport {
        state.withLock {
            RuntimeReport(
                kind: "sandbox", phase: $0.phase, restarts: $0.restarts, lastCrash: $0.lastCrash,
                isolation: $0.isolation?.description, degraded: $0.idleSpin
            )
        }
    }

    package var replyExecutor: (any TaskExecutor)? { state.withLock { $0.worker?.replyExecutor } }

    /// Calls waiting for the current worker's answer.
    package var callsInFlight: Int { state.withLock { $0.worker?.callsInFlight ?? 0 } }

    nonisolated(nonsending) package func invoke(
        _ operation: StandardOperation, session: SessionID?, body: [UInt8], timeLimit: Duration?
    ) async throws(ConnectorHostError) -> PluginReply {
        let (worker, timeLeft) = try await heldWorker(timeLimit: timeLimit)
        defer { release() }
        return try await worker.call(
            SandboxProtocol.Call(
                operation: operation.rawValue, session: session?.rawValue ?? 0, timeLimit: timeLeft?.nanosecondCount ?? 0,
                body: body
            ),
            timeLimit: timeLeft, pluginName: name
        )
    }

    nonisolated(nonsending) package func invokeCustom(
        _ request: CustomFunctionRequest, timeLimit: Duration?
    ) async throws(ConnectorHostError) -> CustomReply {
        let (worker, timeLeft) = try await heldWorker(timeLimit: timeLimit)
        defer { release() }
        return try await worker.callCustom(
            SandboxProtocol.CustomCall(request, timeLimit: timeLeft?.nanosecondCount ?? 0),
            timeLimit: timeLeft, pluginName: name
        )
    }

    package func hold() {
        state.withLock { $0.holds += 1 }
    }

    package func release() {
        let now = clock.now
        state.withLock { state in
            state.holds -= 1
            if state.holds == 0 { state.lastUse = now }
        }
    }

    /// Replaces the worker when abandoned calls fill the plugin's call slots
    /// (one, for a plugin that is not thread-safe) and do not answer their
    /// cancellation within ``SandboxSettings/cancelGrace``: a retry sent to it
    /// would wait behind them. The next call starts a fresh worker at once;
    /// this is a hang the host ended, not a crash, so no restart delay applies.
    package func replaceIfStuck() async -> Bool {
        guard let worker = state.withLock({ $0.worker }), worker.abandonedCalls > 0 else { return false }
        // The worker's call slots, as it counts them; a retry finds one free unless all are taken.
        let slots = min(description.maxConcurrency ?? 64, 64)
        guard worker.abandonedCalls + worker.callsInFlight >= slots else { return false }
        if await worker.answersAbandonedCalls(before: clock.now + settings.cancelGrace) { return false }
        let replaced = state.withLock { state -> Bool in
            guard state.worker === worker, state.phase != .shutDown else { return false }
            state.worker = nil
            state.phase = .starting
            state.restarts += 1
            state.lastCrash = "the worker (pid \(worker.pid)) hung in a call past its time limit and was replaced"
            return true
        }
        guard replaced else { return false }
        logger.warning("sandbox worker stuck in a timed-out call; replacing it", metadata: ["pid": "\(worker.pid)"])
        worker.kill()
        return true
    }

    /// Starts a worker now if none runs, rather than on the next call; its
    /// idle period counts from when it starts.
    ///
    /// - Throws: Why the worker could not start.
    package func warmUp() async throws(ConnectorHostError) {
        _ = try await currentWorker()
    }

    /// Stops the worker now if no call holds or waits for it (a reloaded build
    /// of a plugin that was idle goes back to idle once checked).
    package func stopIfUnused() async {
        guard let worker = takeUnusedWorker(idleSince: nil) else { return }
        await worker.stop(within: settings.loadTimeout)
    }

    /// Clears quarantine and crash history and starts a fresh worker (operator action).
    package func restart() async throws(ConnectorHostError) {
        let old = state.withLock { state -> WorkerConnection? in
            guard state.phase != .shutDown else { return nil }
            state.crashes.removeAll()
            state.idleSpin = nil
            state.phase = .starting
            defer { state.worker = nil }
            return state.worker
        }
        old?.shutdown()
        old?.kill()
        logger.notice("sandbox worker restarted by an operator")
        _ = try await currentWorker()
    }

    /// Quarantines the plugin now, for a reason known from before (a
    /// quarantine kept across a host restart): no worker runs until an
    /// operator restarts it or its file changes.
    package func quarantine(because reason: String) {
        let worker = state.withLock { state -> WorkerConnection? in
            guard state.phase != .shutDown else { return nil }
            state.quarantinedVersion = PluginFile.Version(path: source.path)
            state.phase = .quarantined(reason: reason)
            state.lastCrash = state.lastCrash ?? reason
            defer { state.worker = nil }
            return state.worker
        }
        worker?.shutdown()
        worker?.kill()
        logger.warning("plugin quarantined", metadata: ["reason": "\(reason)"])
    }

    package func cancelRunningCalls() {
        state.withLock { $0.worker }?.cancelAllCalls()
    }

    package func failRunningCalls(with error: ConnectorHostError) {
        state.withLock { $0.worker }?.failAllCalls(with: error)
    }

    package func shutdown() async {
        let (worker, egress, starter) = state.withLock { state -> (WorkerConnection?, EgressProxy?, SharedOutcome<WorkerConnection>?) in
            state.phase = .shutDown
            defer {
                state.worker = nil
                state.egress = nil
                state.starter = nil
            }
            return (state.worker, state.egress, state.starter)
        }
        starter?.resolve(.failure(shutDownError))
        await worker?.stop(within: .seconds(5))
        egress?.close()
        // Ends the supervision of workers gone, and a start under way (its worker is killed).
        tasks.finish()
    }

    private var shutDownError: ConnectorHostError { ConnectorHostError(.unavailable, "\(name) is shut down") }

    // MARK: - Keeping a worker running

    private enum Next {
        case use(WorkerConnection)
        case wait(SharedOutcome<WorkerConnection>)
        case fail(ConnectorHostError)
    }

    /// The worker for one call, held until ``release()``: the running one, or
    /// the one being started, or a new one, waited for within the call's time
    /// limit. Returns it with the time left of the limit.
    nonisolated(nonsending) private func heldWorker(
        timeLimit: Duration?
    ) async throws(ConnectorHostError) -> (WorkerConnection, Duration?) {
        let next = state.withLock { state in
            state.holds += 1
            return nextWorker(&state)
        }
        do throws(ConnectorHostError) {
            switch next {
            case .use(let worker):
                return (worker, timeLimit)
            case .fail(let error):
                throw error
            case .wait(let starter):
                guard let timeLimit else { return (try await value(of: starter), nil) }
                let started = clock.now
                let worker = try await value(of: starter, before: started + timeLimit, timeLimit: timeLimit)
                return (worker, max(timeLimit - (clock.now - started), .zero))
            }
        } catch {
            release()
            throw error
        }
    }

    /// The running worker, or the one being started, or a new one.
    nonisolated(nonsending) private func currentWorker() async throws(ConnectorHostError) -> WorkerConnection {
        switch state.withLock({ nextWorker(&$0) }) {
        case .use(let worker):
            return worker
        case .fail(let error):
            throw error
        case .wait(let starter):
            return try await value(of: starter)
        }
    }

    /// What a caller of the worker does next: use it, wait for its start
    /// (starting it when none is on its way), or fail.
    private func nextWorker(_ state: inout State) -> Next {
        switch state.phase {
        case .shutDown:
            return .fail(ConnectorHostError(.unavailable, "\(description.manifest.name) is shut down"))
        case .quarantined(let reason):
            if let version = state.quarantinedVersion, PluginFile.Version(path: source.path) != version {
                // Callers arriving while the new build is kept wait for the same start.
                if let starter = state.starter { return .wait(starter) }
                return liftQuarantine(&state)
            }
            // Nothing lifts it by itself: the hint is how often asking again makes sense.
            return .fail(ConnectorHostError(
                .unavailable,
                "\(description.manifest.name) is quarantined: \(reason)",
                retryAfter: Connector.pausedRetryAfter, remedy: .restartPlugin(description.manifest.name)
            ))
        case .running:
            if let worker = state.worker, !worker.hasEnded { return .use(worker) }
            fallthrough
        case .idle, .starting, .restarting:
            if let starter = state.starter { return .wait(starter) }
            let startAt: Duration? = if case .restarting(let at) = state.phase { at } else { nil }
            if state.phase == .idle { state.phase = .starting }
            return startWorker(&state, notBefore: startAt)
        }
    }

    /// Hands the start of a new build's worker to the runtime's loop: the
    /// build is kept first (copied and hashed, off the cooperative threads),
    /// and only then is the quarantine lifted. A build that cannot be kept
    /// leaves it in place, for the next call to try again.
    private func liftQuarantine(_ state: inout State) -> Next {
        let starter = SharedOutcome<WorkerConnection>()
        let submitted = tasks.submit {
            do throws(ConnectorHostError) {
                let kept: String
                do throws(ConnectorHostError) {
                    kept = try await BlockingFileWork.run(self.source.keep).path
                } catch {
                    throw ConnectorHostError(
                        error.code, "\(self.source.path) changed, and its new build cannot serve: \(error.message)"
                    )
                }
                let lifted = self.state.withLock { state -> Bool in
                    guard state.phase != .shutDown else { return false }
                    state.servedPath = kept
                    state.crashes.removeAll()
                    state.quarantinedVersion = nil
                    state.phase = .starting
                    return true
                }
                guard lifted else { throw self.shutDownError }
                self.logger.notice("plugin file changed; lifting its quarantine")
                starter.resolve(.success(try await self.launchWorker(notBefore: nil)))
            } catch {
                self.state.withLock { state in
                    if state.starter === starter { state.starter = nil }
                }
                starter.resolve(.failure(error))
            }
        }
        guard submitted else { return .fail(shutDownError) }
        state.starter = starter
        return .wait(starter)
    }

    /// Hands a worker's start to the runtime's loop; callers wait for its outcome.
    private func startWorker(_ state: inout State, notBefore: Duration?) -> Next {
        let starter = SharedOutcome<WorkerConnection>()
        let submitted = tasks.submit {
            do throws(ConnectorHostError) {
                starter.resolve(.success(try await self.launchWorker(notBefore: notBefore)))
            } catch {
                starter.resolve(.failure(error))
            }
        }
        guard submitted else { return .fail(shutDownError) }
        state.starter = starter
        return .wait(starter)
    }

    /// The started worker, or why it did not start.
    private func value(of starter: SharedOutcome<WorkerConnection>) async throws(ConnectorHostError) -> WorkerConnection {
        guard let outcome = await starter.outcome() else {
            throw ConnectorHostError(.timeout, "\(name): the call was abandoned while its worker was starting")
        }
        return try outcome.get()
    }

    /// The started worker, unless `deadline` comes first: then the call fails
    /// with `timeout`, marked as never having reached the plugin, and the
    /// start goes on for the calls after it.
    private func value(
        of starter: SharedOutcome<WorkerConnection>, before deadline: Duration, timeLimit: Duration
    ) async throws(ConnectorHostError) -> WorkerConnection {
        if let outcome = await starter.outcome(before: deadline, on: clock) { return try outcome.get() }
        // No loop runs the start: say so, rather than blame the plugin.
        let why = tasks.isRunning || tasks.hasEnded
            ? "it is still starting"
            : "the host is not running (run it with ConnectorHost.run(), or as a Service of a ServiceGroup), and workers start only while it runs"
        var error = ConnectorHostError(
            .timeout, "\(name): the worker did not start within the call's time limit (\(timeLimit.secondsText)); \(why)"
        )
        error.neverReachedPlugin = true
        throw error
    }

    /// Takes the worker out of service if no call holds or waits for it (and,
    /// with `idleSince`, it has had none for the idle timeout): the runtime is
    /// `idle`, and the caller stops the worker.
    private func takeUnusedWorker(idleSince timeout: Duration?, worker expected: WorkerConnection? = nil) -> WorkerConnection? {
        let now = clock.now
        return state.withLock { state -> WorkerConnection? in
            guard case .running = state.phase, let worker = state.worker, state.holds == 0 else {
                return nil
            }
            if let expected, worker !== expected { return nil }
            if let timeout, now - state.lastUse < timeout { return nil }
            state.worker = nil
            state.phase = .idle
            onIdleStop()
            return worker
        }
    }

    /// The kept copy workers load: kept now, at the first worker's start of
    /// a runtime that began with none. Only one start runs at a time.
    private func servedPath() async throws(ConnectorHostError) -> String {
        if let served = state.withLock({ $0.servedPath }) { return served }
        let kept = try await BlockingFileWork.run(source.keepAdmitted).path
        state.withLock { $0.servedPath = kept }
        return kept
    }

    private func launchWorker(notBefore: Duration?) async throws(ConnectorHostError) -> WorkerConnection {
        if let notBefore {
            do {
                try await clock.sleep(until: notBefore)
            } catch {
                throw ConnectorHostError(.unavailable, "\(name): the worker's restart was called off")
            }
        }
        do throws(ConnectorHostError) {
            let pluginPath = try await servedPath()
            let loaded = try await SandboxLoader.load(
                pluginPath: pluginPath, policy: policy, settings: settings, clock: clock, logger: logger,
                egress: try egressProxy()
            )
            let (worker, ready) = (loaded.worker, loaded.ready)
            // The description may be a cache's, which keeps the secret as a
            // digest: the file's own secret must still match it.
            guard description.isScan(of: ready.description) else {
                worker.kill()
                throw ConnectorHostError(
                    .conflict,
                    "\(pluginPath) changed since it was scanned (now \(ready.description.manifest.name) \(ready.description.manifest.version)); reload the plugin"
                )
            }
            let accepted = state.withLock { state -> Bool in
                state.starter = nil
                guard state.phase != .shutDown, tasks.submit({ await self.watch(worker) }) else { return false }
                state.worker = worker
                state.isolation = loaded.isolation
                state.phase = .running(pid: worker.pid)
                state.lastUse = clock.now
                return true
            }
            guard accepted else {
                worker.kill()
                throw shutDownError
            }
            logger.info("sandbox worker running", metadata: ["pid": "\(worker.pid)"])
            return worker
        } catch {
            // A crash while starting is one more turn of a crash loop, which
            // ends quarantined as one of later crashes does. A start that
            // timed out, or a file that changed, waits for a call or a
            // reload: starting again would only repeat it.
            recordCrash(reason: error.message, restart: error.code == .pluginCrashed)
            throw error
        }
    }

    /// The plugin's egress proxy, started once; nil when it declares no host.
    private func egressProxy() throws(ConnectorHostError) -> EgressProxy? {
        guard !settings.allowedHosts.isEmpty else { return nil }
        if let running = state.withLock({ $0.egress }) { return running }
        let proxy = try EgressProxy(allowedHosts: settings.allowedHosts, logger: logger)
        let (kept, extra) = state.withLock { state -> (EgressProxy?, EgressProxy?) in
            // Shut down meanwhile, or another start made one first: keep one, close the other.
            guard state.phase != .shutDown else { return (nil, proxy) }
            if let existing = state.egress { return (existing, proxy) }
            state.egress = proxy
            return (proxy, nil)
        }
        extra?.close()
        guard let kept else { throw ConnectorHostError(.unavailable, "\(name) is shut down") }
        return kept
    }

    /// Waits for the worker to end; if that was not asked for, counts a crash.
    /// Meanwhile watches its CPU time while it has no call in flight.
    private func watch(_ worker: WorkerConnection) async {
        enum Watched: Sendable {
            case exited(ProcessExit)
            case idleWatchEnded(recycled: Bool)
            case idleTimeoutWatchEnded
            case deadlinesEnded
        }
        let (exit, recycled) = await withTaskGroup(of: Watched.self) { group in
            group.addTask { .exited(await worker.exit()) }
            group.addTask {
                await worker.enforceDeadlines()
                return .deadlinesEnded
            }
            group.addTask { .idleWatchEnded(recycled: await self.watchIdleCPU(of: worker)) }
            group.addTask {
                await self.stopWhenIdle(worker)
                return .idleTimeoutWatchEnded
            }
            var exit: ProcessExit?
            var recycled = false
            while let next = await group.next() {
                switch next {
                case .exited(let ended):
                    exit = ended
                    // The idle watches are over with the worker.
                    group.cancelAll()
                case .idleWatchEnded(let didRecycle):
                    recycled = didRecycle
                case .idleTimeoutWatchEnded, .deadlinesEnded:
                    break
                }
            }
            return (exit, recycled)
        }
        if recycled {
            // Back in service now rather than on the next call.
            _ = try? await currentWorker()
            return
        }
        guard let exit else { return }
        let unexpected = state.withLock { state -> Bool in
            guard state.worker === worker else { return false }
            state.worker = nil
            return state.phase != .shutDown
        }
        guard unexpected else { return }
        recordCrash(reason: "the worker (pid \(worker.pid)) \(exit)", restart: true)
    }

    /// Stops the worker once it has had no call for the idle timeout,
    /// re-checked under the call path's lock when the time comes; returns
    /// when it stopped it, or the worker is no longer the runtime's, or the
    /// watch is cancelled.
    private func stopWhenIdle(_ worker: WorkerConnection) async {
        guard let timeout = settings.idleTimeout else { return }
        var due = state.withLock { $0.worker === worker ? $0.lastUse + timeout : nil }
        while let deadline = due {
            guard (try? await clock.sleep(until: deadline)) != nil else { return }
            if let stopped = takeUnusedWorker(idleSince: timeout, worker: worker) {
                logger.info("sandbox worker stopped after its idle period", metadata: [
                    "pid": "\(stopped.pid)", "idleTimeout": "\(timeout.secondsText)",
                ])
                await stopped.stop(within: settings.loadTimeout)
                return
            }
            let now = clock.now
            due = state.withLock { state -> Duration? in
                guard state.worker === worker else { return nil }
                let next = state.lastUse + timeout
                // Held now (or kept running another way): a full idle period ends no sooner than from now.
                return state.holds > 0 || next <= now ? now + timeout : next
            }
        }
    }

    /// Reads the worker's CPU time every ``SandboxSettings/idleCPUInterval``;
    /// over an interval with no call in flight, nor any call sent, more than
    /// ``SandboxSettings/idleCPULimit`` is a plugin thread working on its own
    /// (spinning after its call returned): the plugin is reported `degraded`
    /// with why, and the worker is recycled. Returns when the worker is gone,
    /// recycled, or the watch is cancelled.
    ///
    /// - Returns: Whether it recycled the worker.
    private func watchIdleCPU(of worker: WorkerConnection) async -> Bool {
        guard let limit = settings.idleCPULimit else { return false }
        let interval = settings.idleCPUInterval
        var quiet: (cpu: Duration, calls: UInt64)?
        var readings = 0
        while true {
            guard (try? await clock.sleep(for: interval)) != nil, !worker.hasEnded else { return false }
            let calls = worker.callsSent
            let busy = worker.callsInFlight > 0 || worker.abandonedCalls > 0
            guard let cpu = ProcessCPUTime.ofTree(worker.pid) else { return false }
            readings += 1
            defer { quiet = busy ? nil : (cpu, calls) }
            let used = quiet.map { cpu - $0.cpu } ?? .zero
            guard let before = quiet, !busy, before.calls == calls, used > limit else {
                // A successor that has served a whole interval without spinning ends the degradation.
                if readings >= 2 {
                    state.withLock { state in
                        if state.worker === worker { state.idleSpin = nil }
                    }
                }
                continue
            }
            let reason =
                "its worker (pid \(worker.pid)) used \(used.secondsText) of CPU in \(interval.secondsText) with no call in flight (limit \(limit.secondsText)): a plugin thread kept running after its call returned; the worker was recycled"
            let recycled = state.withLock { state -> Bool in
                guard state.worker === worker, state.phase != .shutDown else { return false }
                state.worker = nil
                state.phase = .starting
                state.restarts += 1
                state.idleSpin = reason
                return true
            }
            guard recycled else { return false }
            logger.warning("sandbox worker busy with no call in flight; recycling it", metadata: ["reason": "\(reason)"])
            worker.kill()
            return true
        }
    }

    /// Counts a crash: the plugin restarts after the backoff delay, or is
    /// quarantined.
    ///
    /// - Parameter restart: Start the next worker when the delay is over
    ///   rather than on the next call, so that health shows the plugin back
    ///   as soon as it is.
    private func recordCrash(reason: String, restart: Bool) {
        let now = clock.now
        let outcome = state.withLock { state -> RuntimeReport.Phase? in
            state.starter = nil
            guard state.phase != .shutDown else { return nil }
            state.crashes = state.crashes.filter { now - $0 < settings.crashWindow } + [now]
            state.lastCrash = reason
            if state.crashes.count >= settings.quarantineThreshold {
                state.quarantinedVersion = PluginFile.Version(path: source.path)
                state.phase = .quarantined(
                    reason: "it crashed \(state.crashes.count) times within \(settings.crashWindow.secondsText); last: \(reason)"
                )
            } else {
                state.restarts += 1
                state.phase = .restarting(at: now + settings.restartDelay(afterCrashes: state.crashes.count))
            }
            return state.phase
        }
        switch outcome {
        case .quarantined(let why)?:
            logger.error("plugin quarantined", metadata: ["reason": "\(why)"])
            onQuarantine(why)
        case .restarting(let at)?:
            logger.warning("sandbox worker crashed; restarting", metadata: [
                "reason": "\(reason)", "restartIn": "\((at - now).secondsText)",
            ])
            if restart { tasks.submit { _ = try? await self.currentWorker() } }
        default:
            break
        }
    }
}
