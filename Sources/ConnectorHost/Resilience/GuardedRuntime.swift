import Logging

/// A plugin's runtime behind its resilience policy — the one path every call
/// takes, whoever the caller:
///
///     rate limit → bulkhead → circuit breaker → retries → time limit per attempt
///
/// The time limit of each attempt is handed to the runtime, which is where a
/// call can be cut off (a sandbox worker); in-process calls only see it.
///
/// The rate limit (callers' calls only), bulkhead and breaker admit a call once; their rejections
/// (`rate_limited`, `bulkhead_full`, `circuit_open`) never reach the plugin and
/// are never retried. Inside, failed attempts are retried with the policy's
/// backoff when the plugin marked them transient (it says nothing was done),
/// or when they timed out or crashed — but then only for idempotent
/// operations: such an attempt may have reached the end system, and repeating
/// an `entity.create` would create the entity twice. A custom function is
/// repeated after a timeout or a crash only when it declared
/// `CH_FUNCTION_IDEMPOTENT`. An attempt that timed out waiting for its worker
/// to start never reached the plugin (`ConnectorHostError.neverReachedPlugin`):
/// it is repeated whatever the operation, and the breaker does not count it.
/// Before repeating a timeout it lets the runtime replace a worker the stuck
/// call still occupies (`PluginRuntime.replaceIfStuck()`), so the retry does
/// not queue behind it. The breaker learns the call's final outcome; of the
/// host's own calls (``invoke(_:session:body:hostInitiated:)``), only failures.
package final class GuardedRuntime: Sendable {
    package let runtime: any PluginRuntime
    package let policy: ResiliencePolicy
    package let breaker: CircuitBreaker
    package let rateLimiter: RateLimiter
    package let bulkhead: Bulkhead
    private let clock: any HostClock
    private let jitter: @Sendable (Duration) -> Duration
    package let metrics: PluginMetrics
    /// The callers' calls of the last minutes, kept across reloads by the host.
    package let recentCalls: RecentCalls
    private let logger: Logger
    /// The plugin's name, kept apart: reading it from the description copies that.
    private let name: String
    /// Whether the runtime can be cut off at the time limit (read once).
    private let interruptible: Bool
    /// Once raised, no call and no retry starts.
    private let shutdown: ShutdownSignal

    /// - Parameters:
    ///   - runtime: Where calls run.
    ///   - policy: The resolved policy.
    ///   - clock: The time source of every rule.
    ///   - jitter: Draws a wait from `0...limit`; injected so tests are exact.
    ///   - metrics: Where calls, failures and latency are counted.
    ///   - recentCalls: Where the callers' calls of the last minutes are counted.
    ///   - logger: Where breaker transitions are logged.
    ///   - shutdown: The host's shutdown signal.
    package init(
        runtime: any PluginRuntime, policy: ResiliencePolicy, clock: any HostClock,
        jitter: @escaping @Sendable (Duration) -> Duration = GuardedRuntime.uniformJitter,
        metrics: PluginMetrics, recentCalls: RecentCalls? = nil, logger: Logger,
        shutdown: ShutdownSignal = ShutdownSignal()
    ) {
        self.runtime = runtime
        self.shutdown = shutdown
        self.policy = policy
        self.clock = clock
        self.jitter = jitter
        self.metrics = metrics
        self.recentCalls = recentCalls ?? RecentCalls(clock: clock)
        self.logger = logger
        let name = runtime.description.manifest.name
        self.name = name
        interruptible = runtime.isInterruptible
        rateLimiter = RateLimiter(limit: policy.rateLimitPerMinute, clock: clock)
        bulkhead = Bulkhead(limit: policy.maxConcurrentCalls)
        // A probe is one attempt (see run), so its time limit bounds it.
        let probeTimeout = policy.timeout
        breaker = CircuitBreaker(
            threshold: policy.breakerThreshold, recovery: policy.breakerRecovery, probeTimeout: probeTimeout,
            clock: clock
        ) { transition in
            logger.notice("circuit breaker \(transition.from) -> \(transition.to)", metadata: ["plugin": "\(name)"])
            metrics.recordBreaker(transition.to)
        }
        metrics.recordBreaker(breaker.state)
    }

    /// Draws uniformly from `0...limit`.
    package static let uniformJitter: @Sendable (Duration) -> Duration = { limit in
        .nanoseconds(Int64.random(in: 0...Int64(clamping: limit.nanosecondCount)))
    }

    /// Calls one operation under the policy.
    ///
    /// - Parameter hostInitiated: The host makes the call on its own (it reopens
    ///   a session, asks for the page size): the breaker counts its failure but
    ///   not its success, which would hide a plugin whose real calls keep failing.
    /// - Returns: The plugin's reply, which may carry an error status of its own.
    /// - Throws: A rejection, or the runtime's failure of the last attempt.
    nonisolated(nonsending) package func invoke(
        _ operation: StandardOperation, session: SessionID?, body: [UInt8], hostInitiated: Bool = false
    ) async throws(ConnectorHostError) -> PluginReply {
        let runtime = self.runtime
        let timeout = policy.timeout
        return try await run(
            operation.rawValue, inSession: session != nil, idempotent: operation.isIdempotent, hostInitiated: hostInitiated
        ) {
            () async throws(ConnectorHostError) in
            try await runtime.invoke(operation, session: session, body: body, timeLimit: timeout)
        }
    }

    /// Calls a custom function under the policy.
    ///
    /// - Parameters:
    ///   - request: The function, its checked arguments and, if it takes its
    ///     context, its session and settings.
    ///   - idempotent: Whether it declared `CH_FUNCTION_IDEMPOTENT`.
    /// - Returns: Its result and the status it set (a transient one is retried
    ///   like a standard operation's).
    /// - Throws: A rejection, or the runtime's failure of the last attempt.
    nonisolated(nonsending) package func invokeCustom(
        _ request: CustomFunctionRequest, idempotent: Bool = false
    ) async throws(ConnectorHostError) -> CustomReply {
        let runtime = self.runtime
        let timeout = policy.timeout
        return try await run(
            request.function, inSession: request.session != nil, idempotent: idempotent, hostInitiated: false
        ) { () async throws(ConnectorHostError) in
            try await runtime.invokeCustom(request, timeLimit: timeout)
        }
    }

    /// The policy around attempts of one call.
    nonisolated(nonsending) private func run<Value: AttemptValue>(
        _ label: String, inSession: Bool, idempotent: Bool, hostInitiated: Bool,
        attempt: nonisolated(nonsending) () async throws(ConnectorHostError) -> Value
    ) async throws(ConnectorHostError) -> Value {
        // One clock reading serves every admission; one more, the outcome.
        let started = clock.now
        do throws(ConnectorHostError) {
            guard !shutdown.isRaised else { throw ShutdownSignal.refusal }
            // The rate limit is the callers': the host's own calls never spend
            // it, and run only while a caller's call would be admitted.
            if hostInitiated { try rateLimiter.check(at: started) } else { try rateLimiter.admit(at: started) }
            try bulkhead.enter()
        } catch {
            refuse(label, error, hostInitiated: hostInitiated)
            throw error
        }
        defer { bulkhead.leave() }
        let ticket: CircuitBreaker.Ticket
        do throws(ConnectorHostError) {
            ticket = try breaker.admit(at: started)
        } catch {
            refuse(label, error, hostInitiated: hostInitiated)
            throw error
        }

        var retries = 0
        var outcome: Result<Value, ConnectorHostError>
        while true {
            // An interruptible runtime cuts the attempt off at its time limit;
            // otherwise an overrun is judged when the call returns.
            do throws(ConnectorHostError) {
                outcome = .success(try await attempt())
            } catch {
                outcome = .failure(error)
            }
            // A probe is not retried: its one attempt is what tells whether the plugin recovered.
            guard Self.isRetryable(outcome), retries < policy.maxRetries, !ticket.isProbe else { break }
            if shutdown.isRaised {
                let note = "not retried: the host is shutting down"
                outcome = outcome.map { $0.noting(note) }.mapError { error in
                    var error = error
                    error.message += "; \(note)"
                    return error
                }
                break
            }
            if !idempotent, case .failure(var uncertain) = outcome, !uncertain.neverReachedPlugin {
                uncertain.message += "; not retried: \(label) is not idempotent and may have reached the end system"
                outcome = .failure(uncertain)
                break
            }
            // A crashed worker took its sessions along: a retry would only be told
            // the session is unknown. The caller opens a new session instead.
            if inSession, case .failure(var crash) = outcome, crash.code == .pluginCrashed {
                crash.message += "; the session was lost with the worker, open a new one"
                outcome = .failure(crash)
                break
            }
            // A timed-out call may still hold the plugin's only call slot: the
            // runtime replaces its worker rather than let the retry queue behind it.
            if case .failure(var timedOut) = outcome, timedOut.code == .timeout, !timedOut.neverReachedPlugin,
                await runtime.replaceIfStuck(),
                inSession
            {
                timedOut.message += "; the session was lost with the stuck worker, which was replaced; open a new one"
                outcome = .failure(timedOut)
                break
            }
            retries += 1
            metrics.recordRetry()
            logger.info("retrying", metadata: [
                "call": "\(label)", "attempt": "\(retries + 1)", "after": "\(Self.failureCode(outcome)?.description ?? "")",
            ])
            let computed = policy.jitter ? jitter(policy.delay(beforeRetry: retries)) : policy.delay(beforeRetry: retries)
            // The end system's own Retry-After, when it gave one, is waited out (up to the cap of any wait).
            let delay = max(computed, min(Self.retryAfter(outcome) ?? .zero, policy.backoffCap))
            guard (try? await clock.sleep(for: delay)) != nil else { break }
        }
        let ended = clock.now
        // The host's own calls, and refusals the plugin never saw (a session
        // lost with a crashed worker), say nothing of whether its calls succeed.
        if hostInitiated || Self.neverReachedThePlugin(outcome) {
            breaker.recordHostCall(ticket, success: !Self.isFailure(outcome), at: ended)
        } else {
            breaker.record(ticket, success: !Self.isFailure(outcome), at: ended)
        }
        let failure = Self.failureCode(outcome)
        let took = ended - started
        if hostInitiated {
            metrics.recordHostCall()
        } else {
            metrics.recordCall(duration: took)
            recentCalls.record(duration: took, failed: failure != nil, at: ended)
        }
        // Written only when the line is: a successful call's is at trace level,
        // and building it would cost more than the rest of the policy.
        let attempts = retries + 1
        if failure != nil {
            logger.warning("call failed", metadata: Self.report(label, failure, attempts: attempts, took: took))
        } else {
            logger.trace("call answered", metadata: Self.report(label, nil, attempts: attempts, took: took))
        }
        if !interruptible, took > (retries == 0 ? policy.timeout : policy.timeout * (retries + 1)) {
            logger.warning("\(name) \(label) took \(took.secondsText), over its time limit of \(policy.timeout.secondsText) per attempt; in-process calls cannot be cut off")
        }
        if retries > 0, Self.isRetryable(outcome) {
            let note = "gave up after \(retries + 1) attempts"
            outcome = outcome.map { $0.noting(note) }.mapError { error in
                var error = error
                error.message += " (\(note))"
                return error
            }
        }
        switch outcome {
        case .success(let value):
            if let code = value.failureCode, !hostInitiated { metrics.recordFailure(code) }
            return value
        case .failure(let error):
            if !hostInitiated { metrics.recordFailure(error.code) }
            throw error
        }
    }

    /// A refusal before any attempt: counted (for a caller's call), and
    /// logged like any failed call.
    private func refuse(_ label: String, _ error: ConnectorHostError, hostInitiated: Bool) {
        if !hostInitiated {
            metrics.recordFailure(error.code)
            recentCalls.recordRefusal()
        }
        logger.warning("call failed", metadata: [
            "call": "\(label)", "outcome": "\(error.code)", "attempts": "0", "took": "0 s",
        ])
    }

    /// The metadata of a call's log line.
    private static func report(
        _ label: String, _ failure: ConnectorHostError.Code?, attempts: Int, took: Duration
    ) -> Logger.Metadata {
        [
            "call": "\(label)", "outcome": "\(failure?.description ?? "ok")", "attempts": "\(attempts)",
            "took": "\(took.secondsText)",
        ]
    }

    /// The error code a call's outcome stands for; nil for a success.
    private static func failureCode<Value: AttemptValue>(_ outcome: Result<Value, ConnectorHostError>)
        -> ConnectorHostError.Code?
    {
        switch outcome {
        case .success(let value): value.failureCode
        case .failure(let error): error.code
        }
    }

    /// How long the attempt's answer asked the caller to wait, if it did.
    private static func retryAfter<Value: AttemptValue>(_ outcome: Result<Value, ConnectorHostError>) -> Duration? {
        switch outcome {
        case .success(let value): value.retryAfter
        case .failure(let error): error.retryAfter
        }
    }

    /// Transient plugin errors, timeouts and crashes.
    private static func isRetryable<Value: AttemptValue>(_ outcome: Result<Value, ConnectorHostError>) -> Bool {
        switch outcome {
        case .success(let value): value.isTransient
        case .failure(let error): error.code == .timeout || error.code == .pluginCrashed
        }
    }

    /// The runtime refused the call itself (`not_found`, `unauthorized` for a
    /// session it does not know, `unavailable`), or the call timed out before
    /// its worker started: the plugin was not called.
    private static func neverReachedThePlugin<Value: AttemptValue>(_ outcome: Result<Value, ConnectorHostError>) -> Bool {
        guard case .failure(let error) = outcome else { return false }
        return !isFailure(outcome) && error.code != .invalidRequest
    }

    /// What the breaker counts against the plugin: what it did wrong when
    /// called, never a refusal to call it (`unavailable`: quarantined,
    /// restarting or not started) nor a wait for its worker's start, which
    /// have a state and cause of their own.
    private static func isFailure<Value: AttemptValue>(_ outcome: Result<Value, ConnectorHostError>) -> Bool {
        switch outcome {
        case .success(let value): value.countsAsFailure
        case .failure(let error):
            !error.neverReachedPlugin && [.timeout, .pluginCrashed, .pluginError].contains(error.code)
        }
    }
}

/// What the guard needs to know of the value an attempt returned.
protocol AttemptValue: Sendable {
    /// The plugin asked for the attempt to be retried.
    var isTransient: Bool { get }
    /// The breaker counts it against the plugin.
    var countsAsFailure: Bool { get }
    /// The failure kind metrics count it as, if any.
    var failureCode: ConnectorHostError.Code? { get }
    /// How long the end system asked callers to wait, if it did.
    var retryAfter: Duration? { get }
    /// The value with a note for whoever reads its message.
    func noting(_ note: String) -> Self
}

extension PluginReply: AttemptValue {
    var isTransient: Bool { status == .transient }

    /// Not the caller's mistakes (invalid request, not found, an invalid
    /// session) nor the end system's request to slow down.
    var countsAsFailure: Bool {
        switch status {
        case .ok, .invalidRequest, .notFound, .unauthorized, .rateLimited: false
        case .transient, .permanent, .unknown: true
        }
    }

    var failureCode: ConnectorHostError.Code? { status.errorCode }

    func noting(_ note: String) -> PluginReply {
        var reply = self
        reply.message = message.map { "\($0) (\(note))" } ?? note
        return reply
    }
}

/// A custom function fails through its context's status, judged as a standard
/// operation's reply is (a plain C function always answers `ok`).
extension CustomReply: AttemptValue {
    var isTransient: Bool { outcome.isTransient }
    var countsAsFailure: Bool { outcome.countsAsFailure }
    var failureCode: ConnectorHostError.Code? { outcome.failureCode }
    var retryAfter: Duration? { outcome.retryAfter }

    func noting(_ note: String) -> CustomReply {
        CustomReply(value: value, outcome: outcome.noting(note))
    }
}
