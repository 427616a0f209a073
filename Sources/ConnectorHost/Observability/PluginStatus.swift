/// One plugin's state as `health`, `GET /plugins` and embedders see it,
/// computed from the clock: no call is needed to see a breaker's next probe.
public struct PluginStatus: Sendable, Hashable, Encodable {
    /// The connector's name.
    public var name: String
    /// The version being served.
    public var version: String
    /// The file the plugin is served from: the one discovered or loaded, or
    /// after a reload the host's copy of the build (see ``HostConfiguration/buildsDirectory``).
    public var path: String
    /// `sandbox` or `in-process`.
    public var runtime: String
    /// Whether the plugin takes calls, and if not, why.
    public var health: Health
    /// With `degraded`: seconds until the breaker lets the next probe through.
    public var secondsToNextProbe: Double?
    /// With `restarting`: seconds until the next worker starts.
    public var secondsToRestart: Double?
    /// With `quarantined`: why; with `degraded` and a closed breaker: what the
    /// worker did (used CPU with no call in flight, and was recycled).
    public var reason: String?
    /// Where the circuit breaker stands (``Connector/breaker`` is the breaker
    /// itself); `breaker` in JSON.
    public var breakerState: BreakerState
    /// How isolated the sandbox worker is: `full`, `partial: missing …` or
    /// `none: missing …` (see ``SandboxIsolation``); `none` in process.
    public var isolation: String?
    /// The sandbox worker's process ID while one runs.
    public var pid: Int32?
    /// Worker restarts after crashes.
    public var restarts: Int
    /// The last crash, as a sentence.
    public var lastCrash: String?
    /// The plugin's ABI version.
    public var abiVersion: UInt32 = 0
    /// The SHA-256 of the plugin file being served.
    public var fileSHA256: String?
    /// Why the last reload of this plugin failed (the build before it kept serving).
    public var lastReloadError: String?

    enum CodingKeys: String, CodingKey {
        case name, version, path, runtime, health, secondsToNextProbe, secondsToRestart, reason
        case breakerState = "breaker"
        case isolation, pid, restarts, lastCrash, abiVersion, fileSHA256, lastReloadError
    }

    /// A circuit breaker's position, without its counters.
    public enum BreakerState: String, Sendable, Hashable, Encodable, CustomStringConvertible {
        /// Calls go through.
        case closed
        /// Calls are refused until the recovery time has passed.
        case open
        /// One probe is out to test the plugin.
        case halfOpen = "half_open"

        init(_ state: CircuitBreaker.State) {
            switch state {
            case .closed: self = .closed
            case .open: self = .open
            case .halfOpen: self = .halfOpen
            }
        }

        public var description: String { rawValue }
    }

    /// A plugin's health, as `health` prints it and `/plugins` answers it.
    public enum Health: String, Sendable, Hashable, Encodable, CaseIterable {
        /// Takes calls; none of the other states applies.
        case healthy
        /// The circuit breaker is open or half-open, or the worker was recycled
        /// for using CPU with no call in flight (see `reason`).
        case degraded
        /// The worker crashed and is about to be restarted.
        case restarting
        /// Crashed too often; takes no calls until restarted or replaced.
        case quarantined
        /// The worker is being started; calls wait for it.
        case starting
        /// No worker runs (none was called for yet, or it stopped after its
        /// idle period); the next call starts one. Takes calls.
        case idle
        /// The host shut the plugin's runtime down; it takes no more calls.
        case stopped
        /// An operator paused it; it takes no calls until resumed.
        case paused
    }
}
