import Logging

/// A plugin's runtime behind its resilience policy — the one path every call
/// takes, whoever the caller:
///
///     rate limit → bulkhead → circuit breaker → retries → time limit per attempt
///
/// The rate limit, bulkhead and breaker admit a call once; their rejections
/// (`rate_limited`, `bulkhead_full`, `circuit_open`) never reach the plugin and
/// are never retried. Inside, failed attempts are retried only when the plugin
/// marked them transient, timed out or crashed, with the policy's backoff. The
/// breaker learns the call's final outcome.
package final class GuardedRuntime: Sendable {
    package let runtime: any PluginRuntime
    package let policy: ResiliencePolicy
    package let breaker: CircuitBreaker
    package let rateLimiter: RateLimiter
    package let bulkhead: Bulkhead
    private let clock: any HostClock
    private let jitter: @Sendable (Duration) -> Duration
    private let metrics: PluginMetrics
    private let logger: Logger

    /// - Parameters:
    ///   - runtime: Where calls run.
    ///   - policy: The resolved policy.
    ///   - clock: The time source of every rule.
    ///   - jitter: Draws a wait from `0...limit`; injected so tests are exact.
    ///   - metrics: Where calls, failures and latency are counted.
    ///   - logger: Where breaker transitions are logged.
    package init(
        runtime: any PluginRuntime, policy: ResiliencePolicy, clock: any HostClock,
        jitter: @escaping @Sendable (Duration) -> Duration = GuardedRuntime.uniformJitter,
        metrics: PluginMetrics, logger: Logger
    ) {
        self.runtime = runtime
        self.policy = policy
        self.clock = clock
        self.jitter = jitter
        self.metrics = metrics
        self.logger = logger
        rateLimiter = RateLimiter(limit: policy.rateLimitPerMinute, clock: clock)
        bulkhead = Bulkhead(limit: policy.maxConcurrentCalls)
        // A probe is bounded by the longest a call can take with its retries.
        let probeTimeout = policy.timeout * (policy.maxRetries + 1) + policy.backoffCap * policy.maxRetries
        let name = runtime.description.manifest.name
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
        let nanoseconds = limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000
        return .nanoseconds(Int64.random(in: 0...max(0, nanoseconds)))
    }

    /// Calls one operation under the policy.
    ///
    /// - Returns: The plugin's reply, which may carry an error status of its own.
    /// - Throws: A rejection, or the runtime's failure of the last attempt.
    package func invoke(
        _ operation: StandardOperation, session: SessionID?, body: [UInt8]
    ) async throws(ConnectorHostError) -> PluginReply {
        let started = clock.now
        do throws(ConnectorHostError) {
            try rateLimiter.admit()
            try bulkhead.enter()
        } catch {
            metrics.recordFailure(error.code)
            throw error
        }
        defer { bulkhead.leave() }
        let ticket: CircuitBreaker.Ticket
        do throws(ConnectorHostError) {
            ticket = try breaker.admit()
        } catch {
            metrics.recordFailure(error.code)
            throw error
        }

        var retries = 0
        var outcome: Result<PluginReply, ConnectorHostError>
        while true {
            outcome = await attempt(operation, session: session, body: body)
            guard Self.isRetryable(outcome), retries < policy.maxRetries else { break }
            // A crashed worker took its sessions along: a retry would only be told
            // the session is unknown. The caller opens a new session instead.
            if session != nil, case .failure(var crash) = outcome, crash.code == .pluginCrashed {
                crash.message += "; the session was lost with the worker, open a new one"
                outcome = .failure(crash)
                break
            }
            retries += 1
            let delay = policy.jitter ? jitter(policy.delay(beforeRetry: retries)) : policy.delay(beforeRetry: retries)
            guard (try? await clock.sleep(for: delay)) != nil else { break }
        }
        let failed = Self.isFailure(outcome)
        breaker.record(ticket, success: !failed)
        metrics.recordCall(duration: clock.now - started)
        if retries > 0, Self.isRetryable(outcome) {
            outcome = Self.annotate(outcome, attempts: retries + 1)
        }
        switch outcome {
        case .success(let reply):
            if let code = Self.code(of: reply) { metrics.recordFailure(code) }
            return reply
        case .failure(let error):
            metrics.recordFailure(error.code)
            throw error
        }
    }

    /// One attempt under the time limit.
    private func attempt(
        _ operation: StandardOperation, session: SessionID?, body: [UInt8]
    ) async -> Result<PluginReply, ConnectorHostError> {
        let timeout = policy.timeout
        let name = runtime.description.manifest.name
        guard runtime.isInterruptible else {
            let started = clock.now
            let result = await Self.invoke(runtime, operation, session: session, body: body, timeLimit: timeout)
            let elapsed = clock.now - started
            if elapsed > timeout {
                logger.warning("\(name) \(operation.rawValue) took \(elapsed.secondsText), over its time limit of \(timeout.secondsText); in-process calls cannot be cut off")
            }
            return result
        }
        let runtime = self.runtime
        let clock = self.clock
        return await withTaskGroup(of: Result<PluginReply, ConnectorHostError>?.self) { group in
            group.addTask {
                await Self.invoke(runtime, operation, session: session, body: body, timeLimit: timeout)
            }
            group.addTask {
                guard (try? await clock.sleep(for: timeout)) != nil else { return nil }
                return .failure(ConnectorHostError(
                    .timeout, "\(name) \(operation.rawValue) did not answer within \(timeout.secondsText)"
                ))
            }
            // The timer yields nil only once cancelled, so the first result decides.
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(ConnectorHostError(.unavailable, "\(name) \(operation.rawValue) was cancelled"))
        }
    }

    private static func invoke(
        _ runtime: any PluginRuntime, _ operation: StandardOperation, session: SessionID?, body: [UInt8],
        timeLimit: Duration
    ) async -> Result<PluginReply, ConnectorHostError> {
        do {
            return .success(try await runtime.invoke(operation, session: session, body: body, timeLimit: timeLimit))
        } catch {
            return .failure(error)
        }
    }

    /// Transient plugin errors, timeouts and crashes.
    private static func isRetryable(_ outcome: Result<PluginReply, ConnectorHostError>) -> Bool {
        switch outcome {
        case .success(let reply): reply.status == .transient
        case .failure(let error): error.code == .timeout || error.code == .pluginCrashed
        }
    }

    /// What the breaker counts against the plugin: not the caller's mistakes
    /// (invalid request, not found, an invalid session) nor the end system's
    /// request to slow down.
    private static func isFailure(_ outcome: Result<PluginReply, ConnectorHostError>) -> Bool {
        switch outcome {
        case .success(let reply):
            switch reply.status {
            case .ok, .invalidRequest, .notFound, .unauthorized, .rateLimited: false
            case .transient, .permanent, .unknown: true
            }
        case .failure(let error):
            [.timeout, .pluginCrashed, .pluginError, .unavailable].contains(error.code)
        }
    }

    private static func code(of reply: PluginReply) -> ConnectorHostError.Code? {
        do {
            _ = try reply.successBody(plugin: "", operation: "")
            return nil
        } catch {
            return error.code
        }
    }

    private static func annotate(
        _ outcome: Result<PluginReply, ConnectorHostError>, attempts: Int
    ) -> Result<PluginReply, ConnectorHostError> {
        let note = "gave up after \(attempts) attempts"
        switch outcome {
        case .success(var reply):
            reply.message = reply.message.map { "\($0) (\(note))" } ?? note
            return .success(reply)
        case .failure(var error):
            error.message += " (\(note))"
            return .failure(error)
        }
    }
}
