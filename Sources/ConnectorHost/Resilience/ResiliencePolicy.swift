/// The resolved resilience policy of one plugin: the host defaults (those of
/// DIBOP's Resilience tab), overridden by the plugin's own suggestions, then by
/// host configuration.
public struct ResiliencePolicy: Sendable, Hashable, Codable {
    /// Time limit of one attempt.
    public var timeout: Duration = .seconds(30)
    /// Retries after the first attempt: `maxRetries = N` means at most N + 1 attempts.
    public var maxRetries: Int = 3
    /// The wait before the first retry, which ``backoff`` grows (see ``delay(beforeRetry:)``).
    public var retryDelay: Duration = .seconds(1)
    /// How the wait grows from retry to retry.
    public var backoff: ResilienceOverrides.Backoff = .exponential
    /// Draw each wait uniformly from zero to the computed wait.
    public var jitter: Bool = false
    /// Upper bound of one wait between attempts.
    public var backoffCap: Duration = .seconds(30)
    /// Calls admitted in any rolling 60-second window.
    public var rateLimitPerMinute: Int = 60
    /// Calls running at once (bulkhead).
    public var maxConcurrentCalls: Int = 16
    /// Consecutive failures that open the circuit breaker.
    public var breakerThreshold: Int = 5
    /// How long the breaker stays open before one probe goes through.
    public var breakerRecovery: Duration = .seconds(30)
    /// Sandbox worker limits; nil for none.
    public var memoryLimitMiB: Int?
    /// The sandbox worker's CPU time over its life, seconds; nil for none.
    public var cpuLimitSeconds: Int?
    /// The sandbox worker's open descriptors; nil for none.
    public var openFilesLimit: Int?

    /// The host defaults: 30 s per attempt, 3 retries from 1 s growing exponentially up to 30 s, 60 calls a minute, 16 at once, a breaker opening after 5 failures for 30 s.
    public init() {}

    /// The defaults with `overrides` applied, layer after layer.
    public init(layers overrides: [ResilienceOverrides]) {
        self.init()
        for layer in overrides { apply(layer) }
    }

    /// Replaces every setting `overrides` sets.
    public mutating func apply(_ overrides: ResilienceOverrides) {
        if let value = overrides.timeout { timeout = value }
        if let value = overrides.maxRetries { maxRetries = value }
        if let value = overrides.retryDelay { retryDelay = value }
        if let value = overrides.backoff { backoff = value }
        if let value = overrides.jitter { jitter = value }
        if let value = overrides.backoffCap { backoffCap = value }
        if let value = overrides.rateLimitPerMinute { rateLimitPerMinute = value }
        if let value = overrides.maxConcurrentCalls { maxConcurrentCalls = value }
        if let value = overrides.breakerThreshold { breakerThreshold = value }
        if let value = overrides.breakerRecovery { breakerRecovery = value }
        if let value = overrides.memoryLimitMiB { memoryLimitMiB = value }
        if let value = overrides.cpuLimitSeconds { cpuLimitSeconds = value }
        if let value = overrides.openFilesLimit { openFilesLimit = value }
    }

    /// The wait before retry number `retry` (1 for the first retry), before jitter.
    public func delay(beforeRetry retry: Int) -> Duration {
        let raw: Duration
        switch backoff {
        case .none: raw = retryDelay
        case .linear: raw = retryDelay * retry
        case .exponential: raw = retryDelay * (1 << min(max(retry - 1, 0), 30))
        }
        return min(raw, backoffCap)
    }
}
