/// Resilience settings that override the host's defaults for one plugin: from
/// the plugin's descriptor (its suggestions) or from host configuration. A nil
/// field leaves the setting to the next layer down.
public struct ResilienceOverrides: Sendable, Hashable, Codable {
    public var timeout: Duration?
    public var maxRetries: Int?
    public var retryDelay: Duration?
    public var backoff: Backoff?
    public var jitter: Bool?
    public var backoffCap: Duration?
    public var rateLimitPerMinute: Int?
    public var maxConcurrentCalls: Int?
    public var breakerThreshold: Int?
    public var breakerRecovery: Duration?
    public var memoryLimitMiB: Int?
    public var cpuLimitSeconds: Int?
    public var openFilesLimit: Int?

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
