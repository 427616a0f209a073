import CoreMetrics

/// The series of one plugin's metrics, made all at once: calls, failures by
/// kind, rejections by kind, retries, latency, breaker state, health by state
/// and worker restarts, each with the plugin's name as its `plugin` dimension.
/// ``PluginMetrics`` makes them when the plugin first needs them.
final class PluginMetricSeries: Sendable {
    private let calls: Counter
    private let hostCalls: Counter
    private let failures: [ConnectorHostError.Code: Counter]
    private let rejections: [ConnectorHostError.Code: Counter]
    private let retries: Counter
    private let latency: Timer
    private let breakerState: Gauge
    private let health: [PluginStatus.Health: Gauge]
    private let restarts: Gauge

    /// The refusals that never reach the plugin.
    static let rejectionKinds: [ConnectorHostError.Code] = [.rateLimited, .bulkheadFull, .circuitOpen]

    /// - Parameters:
    ///   - plugin: The plugin's name, the `plugin` dimension of every series.
    ///   - factory: The metrics backend.
    init(plugin: String, factory: any MetricsFactory) {
        let dimensions = [("plugin", plugin)]
        calls = Counter(label: "connector_host_calls_total", dimensions: dimensions, factory: factory)
        hostCalls = Counter(label: "connector_host_host_calls_total", dimensions: dimensions, factory: factory)
        failures = Dictionary(uniqueKeysWithValues: ConnectorHostError.Code.allCases.map { code in
            (code, Counter(label: "connector_host_failures_total", dimensions: dimensions + [("kind", code.description)],
                           factory: factory))
        })
        rejections = Dictionary(uniqueKeysWithValues: Self.rejectionKinds.map { code in
            (code, Counter(label: "connector_host_rejections_total", dimensions: dimensions + [("kind", code.description)],
                           factory: factory))
        })
        retries = Counter(label: "connector_host_retries_total", dimensions: dimensions, factory: factory)
        latency = Timer(label: "connector_host_call_duration_seconds", dimensions: dimensions,
                        preferredDisplayUnit: .seconds, factory: factory)
        breakerState = Gauge(label: "connector_host_breaker_state", dimensions: dimensions, factory: factory)
        health = Dictionary(uniqueKeysWithValues: PluginStatus.Health.allCases.map { state in
            (state, Gauge(label: "connector_host_plugin_health", dimensions: dimensions + [("state", state.rawValue)],
                          factory: factory))
        })
        restarts = Gauge(label: "connector_host_worker_restarts", dimensions: dimensions, factory: factory)
    }

    func recordStatus(_ status: PluginStatus) {
        for (state, gauge) in health { gauge.record(state == status.health ? 1 : 0) }
        restarts.record(status.restarts)
    }

    func recordCall(duration: Duration) {
        calls.increment()
        latency.recordNanoseconds(Int64(clamping: duration.nanosecondCount))
    }

    func recordHostCall() {
        hostCalls.increment()
    }

    func recordFailure(_ code: ConnectorHostError.Code) {
        failures[code]?.increment()
        rejections[code]?.increment()
    }

    func recordRetry() {
        retries.increment()
    }

    func recordBreaker(_ state: CircuitBreaker.State) {
        switch state {
        case .closed: breakerState.record(0)
        case .halfOpen: breakerState.record(1)
        case .open: breakerState.record(2)
        }
    }
}
