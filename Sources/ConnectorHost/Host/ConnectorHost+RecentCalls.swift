extension ConnectorHost {
    /// A plugin's callers' calls over the last five minutes, in windows of
    /// ten seconds, oldest first: calls, failures (refusals included), calls
    /// per second and latency percentiles. The host's own calls are not
    /// counted; a reload keeps the windows.
    ///
    /// - Returns: Nil when no plugin of that name is served.
    public func recentCalls(ofPluginNamed name: String) -> [CallWindow]? {
        guard plugin(named: name) != nil else { return nil }
        return recentCalls(named: name).summary()
    }

    /// The windows of `name`, created on first use.
    func recentCalls(named name: String) -> RecentCalls {
        recentCallsByName.withLock { windows in
            if let existing = windows[name] { return existing }
            let created = RecentCalls(clock: configuration.clock)
            windows[name] = created
            return created
        }
    }
}
