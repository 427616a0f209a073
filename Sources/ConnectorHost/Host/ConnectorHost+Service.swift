import ServiceLifecycle

/// The host as a service of a `ServiceGroup`, beside the embedder's own:
///
///     let host = try await ConnectorHost.start(configuration: configuration, logger: logger)
///     let group = ServiceGroup(configuration: .init(
///         services: [host, application], gracefulShutdownSignals: [.sigterm], logger: logger))
///     try await group.run()
///
/// A group shuts its services down last to first: list the host before the
/// services that call it, so that they finish their requests while it still
/// serves them.
extension ConnectorHost: Service {
    /// Serves until graceful shutdown (or cancellation), reloading plugins as
    /// their files change when ``HostConfiguration/watchesPluginDirectory`` is
    /// set; then shuts down (``shutdown()``): running calls end within the
    /// shutdown deadline, sessions close, workers stop, staged builds go.
    public func run() async throws {
        if configuration.watchesPluginDirectory {
            await cancelWhenGracefulShutdown {
                do throws(ConnectorHostError) {
                    try await self.watch()
                } catch {
                    self.logger.error("cannot watch the plugin directory", metadata: ["error": "\(error)"])
                }
            }
        }
        // Returns at once when shutdown began while watching; throws when cancelled.
        try? await gracefulShutdown()
        await shutdown()
    }
}
