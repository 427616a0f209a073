import CoreMetrics
import Synchronization

/// One plugin's metrics, through swift-metrics: calls, failures by kind,
/// rejections by kind, retries, latency, breaker state, health and worker
/// restarts. The host never bootstraps a backend; the embedding service (or
/// `serve`) chooses one.
///
/// The series are made on the plugin's first call (a refusal, a retry and a
/// call the host makes on its own count), or when its status is one an
/// operator alerts on (``mustExport(_:)``) — not when the plugin is served: a
/// backend may pay for every series it is handed (swift-prometheus copies its
/// table of label sets for each, so the 35 series of each of a thousand
/// plugins, made at start, cost time quadratic in the number of plugins), and
/// a host of many plugins calls few of them. The host keeps one per plugin
/// name, so that a reloaded build goes on with the series of the build before.
package final class PluginMetrics: Sendable {
    private let plugin: String
    private let factory: any MetricsFactory
    /// Once made, never replaced. (A `Mutex`, not an `AtomicLazyReference`,
    /// whose load is not specialized across modules and looked up generic
    /// metadata on every call.)
    private let made = Mutex<PluginMetricSeries?>(nil)
    /// The breaker's state recorded before the series were made, which its
    /// series starts from. Held while the series are made, so they are made once.
    private let breakerBeforeSeries = Mutex(CircuitBreaker.State.closed(consecutiveFailures: 0))

    /// - Parameters:
    ///   - plugin: The plugin's name, the `plugin` dimension of every metric.
    ///   - factory: The metrics backend.
    package init(plugin: String, factory: any MetricsFactory) {
        self.plugin = plugin
        self.factory = factory
    }

    /// Whether the series are made (the plugin was called, or its status
    /// had to be exported).
    private var hasSeries: Bool { madeSeries != nil }

    /// The series if they are made.
    private var madeSeries: PluginMetricSeries? { made.withLock { $0 } }

    /// The series, made now if they were not.
    private var series: PluginMetricSeries {
        if let series = madeSeries { return series }
        return breakerBeforeSeries.withLock { breaker in
            if let series = madeSeries { return series }
            let series = PluginMetricSeries(plugin: plugin, factory: factory)
            series.recordBreaker(breaker)
            made.withLock { $0 = series }
            return series
        }
    }

    /// Whether a plugin's status is exported before its first call: when it
    /// is anything but at rest (`idle`, or `healthy` with its worker warm or
    /// in process) or its worker has restarted — a pause, a start, a crash, a
    /// quarantine, a recycled worker.
    static func mustExport(_ status: PluginStatus) -> Bool {
        ![.idle, .healthy].contains(status.health) || status.restarts > 0
    }

    /// Records the plugin's state: 1 for its health now and 0 for every other
    /// (so `connector_host_plugin_health{state="quarantined"} == 1` alerts), and
    /// its worker restarts. Of a plugin never called, only a state
    /// ``mustExport(_:)`` says is worth its series.
    package func recordStatus(_ status: PluginStatus) {
        guard hasSeries || Self.mustExport(status) else { return }
        series.recordStatus(status)
    }

    /// Counts one call and its duration.
    package func recordCall(duration: Duration) {
        series.recordCall(duration: duration)
    }

    /// Counts one call the host made on its own (a session opened for a
    /// caller's call, the page-size probe, a reload's check): not a caller's
    /// call, so it stays out of `connector_host_calls_total` and its failures.
    package func recordHostCall() {
        series.recordHostCall()
    }

    /// Counts one failed or rejected call; a rejection also by its kind.
    package func recordFailure(_ code: ConnectorHostError.Code) {
        series.recordFailure(code)
    }

    /// Counts one attempt repeated under the retry policy.
    package func recordRetry() {
        series.recordRetry()
    }

    /// 0 closed, 1 half-open, 2 open. Before the series are made, kept for
    /// them to start from: a breaker's state is no reason to make them, since
    /// only calls move it.
    package func recordBreaker(_ state: CircuitBreaker.State) {
        if let series = madeSeries {
            series.recordBreaker(state)
            return
        }
        breakerBeforeSeries.withLock { breaker in
            if let series = madeSeries { series.recordBreaker(state) } else { breaker = state }
        }
    }
}
