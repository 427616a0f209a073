import CoreMetrics

/// One plugin's metrics, through swift-metrics: calls, failures by kind,
/// latency, breaker state. The host never bootstraps a backend; the embedding
/// service (or `serve`) chooses one.
package struct PluginMetrics: Sendable {
    private let calls: Counter
    private let failures: [ConnectorHostError.Code: Counter]
    private let latency: Timer
    private let breakerState: Gauge

    /// - Parameters:
    ///   - plugin: The plugin's name, the `plugin` dimension of every metric.
    ///   - factory: The metrics backend.
    package init(plugin: String, factory: any MetricsFactory) {
        let dimensions = [("plugin", plugin)]
        calls = Counter(label: "connector_host_calls_total", dimensions: dimensions, factory: factory)
        failures = Dictionary(uniqueKeysWithValues: ConnectorHostError.Code.allCases.map { code in
            (code, Counter(label: "connector_host_failures_total", dimensions: dimensions + [("kind", code.description)],
                           factory: factory))
        })
        latency = Timer(label: "connector_host_call_duration_seconds", dimensions: dimensions,
                        preferredDisplayUnit: .seconds, factory: factory)
        breakerState = Gauge(label: "connector_host_breaker_state", dimensions: dimensions, factory: factory)
    }

    /// Counts one call and its duration.
    package func recordCall(duration: Duration) {
        calls.increment()
        latency.recordNanoseconds(Int64(clamping: duration.nanosecondCount))
    }

    /// Counts one failed or rejected call.
    package func recordFailure(_ code: ConnectorHostError.Code) {
        failures[code]?.increment()
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
