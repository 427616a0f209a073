extension ConnectorHost {
    /// Records every plugin's health and restarts in its metrics. States are
    /// computed from the clock, not pushed, so a scrape calls this first
    /// (`serve` does before every `/metrics`). A plugin never called has no
    /// series until its state is one an operator alerts on (anything but
    /// `idle` or `healthy`, or a restart).
    public func recordStatusMetrics() {
        let plugins = state.withLock { Array($0.plugins.values) }
        for plugin in plugins { plugin.guarded.metrics.recordStatus(plugin.status) }
    }

    /// The metrics of `name`, kept across reloads: made on first use, as
    /// their series are.
    func metrics(named name: String) -> PluginMetrics {
        metricsByName.withLock { metrics in
            if let existing = metrics[name] { return existing }
            let created = PluginMetrics(plugin: name, factory: metricsFactory)
            metrics[name] = created
            return created
        }
    }
}
