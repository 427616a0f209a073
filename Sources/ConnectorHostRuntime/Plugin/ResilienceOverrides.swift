/// Resilience settings that override the host's defaults for one plugin: from
/// the plugin's descriptor (its suggestions) or from host configuration. A nil
/// field leaves the setting to the next layer down.
public struct ResilienceOverrides: Sendable, Hashable, Codable {
    /// Time limit of one attempt.
    public var timeout: Duration?
    /// Retries after the first attempt.
    public var maxRetries: Int?
    /// The wait before the first retry, which ``backoff`` grows.
    public var retryDelay: Duration?
    /// How the wait grows from retry to retry.
    public var backoff: Backoff?
    /// Whether each wait is drawn uniformly from zero to the computed wait.
    public var jitter: Bool?
    /// Upper bound of one wait between attempts.
    public var backoffCap: Duration?
    /// Calls admitted in any rolling 60-second window.
    public var rateLimitPerMinute: Int?
    /// Calls running at once (the bulkhead).
    public var maxConcurrentCalls: Int?
    /// Consecutive failures that open the circuit breaker.
    public var breakerThreshold: Int?
    /// How long the breaker stays open before one probe goes through.
    public var breakerRecovery: Duration?
    /// The sandbox worker's address space, MiB; lowers the operator's limit, never raises it.
    public var memoryLimitMiB: Int?
    /// The sandbox worker's CPU time over its life, seconds; lowers the operator's limit, never raises it.
    public var cpuLimitSeconds: Int?
    /// The sandbox worker's open descriptors; lowers the operator's limit, never raises it.
    public var openFilesLimit: Int?

    /// Overrides that set nothing: every setting is left to the layer below.
    public init() {}

    /// How the wait between attempts grows.
    public enum Backoff: String, Sendable, Hashable, Codable, CaseIterable {
        /// The same delay before every retry.
        case none
        /// The delay times the retry number.
        case linear
        /// The delay doubled for every further retry.
        case exponential
    }
}
