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
    /// Serves until graceful shutdown, cancellation or ``shutdown()``: owns
    /// the host's background work as child tasks — each sandboxed plugin's
    /// worker starts, the supervision of its workers (exit, call deadlines,
    /// kills of hung workers, idle stop), restarts after crashes, warm-ups,
    /// and the plugin directory's watch when
    /// ``HostConfiguration/watchesPluginDirectory`` is set. Workers start only
    /// while it runs. On graceful shutdown or cancellation it shuts the host
    /// down (``shutdown()``): running calls end within the shutdown deadline,
    /// sessions close, workers stop, staged builds go; it returns once every
    /// background task has ended.
    public func run() async throws {
        if configuration.watchesPluginDirectory {
            watching.submit {
                do throws(ConnectorHostError) {
                    try await self.watch()
                } catch {
                    self.logger.error("cannot watch the plugin directory", metadata: ["error": "\(error)"])
                }
            }
        }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.watching.run() }
            group.addTask { await self.supervision.run() }
            // Returns at graceful shutdown or cancellation — or once shutdown()
            // ended the supervision, when it was called directly.
            await cancelWhenGracefulShutdown { await self.supervision.untilEnded() }
            await self.shutdown()
        }
    }
}

extension ConnectorHost {
    /// Runs `body` while the host runs — ``run()`` as a child task, for a
    /// program that has no `ServiceGroup` — then shuts the host down
    /// (``shutdown()``) and returns once ``run()`` has ended.
    ///
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws, after the host has shut down.
    public func whileRunning<Value: Sendable, Failure: Error>(
        _ body: () async throws(Failure) -> Value
    ) async throws(Failure) -> Value {
        async let running: Void = run()
        let outcome: Result<Value, Failure>
        do throws(Failure) {
            outcome = .success(try await body())
        } catch {
            outcome = .failure(error)
        }
        await shutdown()
        try? await running
        return try outcome.get()
    }
}
