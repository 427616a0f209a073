import CoreMetrics

/// One plugin's metrics, through swift-metrics: calls, failures by kind,
/// rejections by kind, retries, latency, breaker state. The host never bootstraps a backend; the embedding
/// service (or `serve`) chooses one.
package struct PluginMetrics: Sendable {
    private let calls: Counter
    private let hostCalls: Counter
    private let failures: [ConnectorHostError.Code: Counter]
    private let rejections: [ConnectorHostError.Code: Counter]
    private let retries: Counter
    private let latency: Timer
    private let breakerState: Gauge
    private let health: [PluginStatus.Health: Gauge]
    private let restarts: Gauge

    /// - Parameters:
    ///   - plugin: The plugin's name, the `plugin` dimension of every metric.
    ///   - factory: The metrics backend.
    package init(plugin: String, factory: any MetricsFactory) {
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

    /// Records the plugin's state: 1 for its health now and 0 for every other
    /// (so `connector_host_plugin_health{state="quarantined"} == 1` alerts), and
    /// its worker restarts.
    package func recordStatus(_ status: PluginStatus) {
        for (state, gauge) in health { gauge.record(state == status.health ? 1 : 0) }
        restarts.record(status.restarts)
    }

    /// Counts one call and its duration.
    package func recordCall(duration: Duration) {
        calls.increment()
        latency.recordNanoseconds(Int64(clamping: duration.nanosecondCount))
    }

    /// Counts one call the host made on its own (a session opened for a
    /// caller's call, the page-size probe, a reload's check): not a caller's
    /// call, so it stays out of `connector_host_calls_total` and its failures.
    package func recordHostCall() {
        hostCalls.increment()
    }

    /// The refusals that never reach the plugin.
    static let rejectionKinds: [ConnectorHostError.Code] = [.rateLimited, .bulkheadFull, .circuitOpen]

    /// Counts one failed or rejected call; a rejection also by its kind.
    package func recordFailure(_ code: ConnectorHostError.Code) {
        failures[code]?.increment()
        rejections[code]?.increment()
    }

    /// Counts one attempt repeated under the retry policy.
    package func recordRetry() {
        retries.increment()
    }

    /// 0 closed, 1 half-open, 2 open.
    package func recordBreaker(_ state: CircuitBreaker.State) {
        switch state {
        case .closed: breakerState.record(0)
        case .halfOpen: breakerState.record(1)
        case .open: breakerState.record(2)
        }
    }
}
