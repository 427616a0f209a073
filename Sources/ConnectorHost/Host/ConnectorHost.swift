import CoreMetrics
import Foundation
import Logging
import Synchronization

/// The embeddable host: discovers the plugins of a directory (each scanned in a
/// throwaway sandbox worker), starts a runtime for each behind its resilience
/// policy, and hands out ``Connector`` handles to call them. Plugins can be
/// added, replaced and removed while it runs.
public final class ConnectorHost: Sendable {
    struct State {
        var plugins: [String: HostedPlugin] = [:]
        var discovery = DiscoveryReport(plugins: [], rejected: [])
        var shutDown = false
        /// Set by the first ``ConnectorHost/shutdown()``: a second one returns at once.
        var shutdownBegun = false
        /// The plugin name each file of the plugin directory serves.
        var sources: [String: String] = [:]
        /// The version of each plugin-directory file when the host last read
        /// it: a watch that starts later reloads the files changed since.
        var examined: [String: PluginFile.Version] = [:]
        /// The copies of builds the host made, removed when it shuts down.
        var stagedBuilds: Set<String> = []

        /// Serves `plugin` under `name`, or stops serving the name (nil); the
        /// build it replaces is retired, so that handles look the name up again.
        /// A pause is the operator's, on the name: a new build stays paused.
        @discardableResult
        mutating func serve(_ plugin: HostedPlugin?, as name: String) -> HostedPlugin? {
            let previous = plugin.map { plugins.updateValue($0, forKey: name) } ?? plugins.removeValue(forKey: name)
            if let plugin, previous?.isPaused == true { plugin.setPaused(true) }
            previous?.retire()
            return previous
        }
    }

    /// The configuration the host was started with, as it was given.
    public let configuration: HostConfiguration
    let state = Mutex(State())
    let scanner: IsolatedScanner
    let logger: Logger
    let reloadEventStreams = ReloadEventStreams()
    let shutdownSignal = ShutdownSignal()
    /// The configured metrics backend, or the process-wide one as of `start`.
    let metricsFactory: any MetricsFactory
    /// Where reloaded builds are copied: the configured directory, or one of
    /// this host's own (``ownsBuildsDirectory``).
    let buildsDirectory: String
    let ownsBuildsDirectory: Bool
    /// Each plugin name's recent calls, kept across reloads.
    let recentCallsByName = Mutex<[String: RecentCalls]>([:])
    /// The host's background work — each sandboxed plugin's supervision loop,
    /// warm-ups — as child tasks of ``run()``.
    let supervision = SupervisedTasks()
    /// The plugin directory's watch, apart: shutdown ends it first.
    let watching = SupervisedTasks()
    /// Each plugin name's metrics, kept across reloads.
    let metricsByName = Mutex<[String: PluginMetrics]>([:])

    private init(configuration: HostConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        metricsFactory = configuration.metricsFactory ?? MetricsSystem.factory
        ownsBuildsDirectory = configuration.buildsDirectory == nil
        buildsDirectory = configuration.buildsDirectory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("connector-host-builds-\(getpid())-\(UUID().uuidString.prefix(8))").path
        scanner = IsolatedScanner(
            settings: configuration.sandbox, clock: configuration.clock, cache: configuration.scanCache, logger: logger
        )
    }

    /// Discovers the plugins and serves them, without waiting for a worker:
    /// returns once the directory is scanned (from the scan cache for
    /// unchanged files). Each sandboxed plugin is `idle` until its first call
    /// starts its worker; those in ``HostConfiguration/warmPlugins`` start
    /// once the host runs.
    ///
    /// Workers start, are supervised and restart only while ``run()`` runs
    /// (as a `Service` of a `ServiceGroup`, or called directly): it owns
    /// that work. A call that needs a worker before it runs waits for it
    /// within the call's time limit, and then fails with `timeout`, saying so.
    ///
    /// - Parameters:
    ///   - configuration: Plugin directory, trust, policies, admission, clock, metrics.
    ///   - logger: Where the host and its plugins log.
    /// - Returns: A host serving every plugin discovery and admission accepted;
    ///   rejected files are in ``discovery`` and logged. A plugin whose worker
    ///   cannot start is served anyway: its status says why, and it is retried.
    /// - Throws: `not_found` when the plugin directory cannot be read, or the
    ///   sandbox worker executable (which scans every plugin) cannot be found.
    public static func start(configuration: HostConfiguration, logger: Logger) async throws(ConnectorHostError)
        -> ConnectorHost
    {
        // Said once, now: later every plugin would be rejected with a spawn error.
        for settings in [configuration.sandbox] + configuration.pluginSandbox.values {
            if let problem = settings.workerExecutableProblem { throw ConnectorHostError(.notFound, problem) }
        }
        let host = ConnectorHost(configuration: configuration, logger: logger)
        let examined = PluginDiscovery.versions(in: configuration.pluginDirectory)
        let discovery = try await PluginDiscovery.scan(directory: configuration.pluginDirectory, with: host.scanner) {
            path, description async throws(ConnectorHostError) in
            try await BlockingFileWork.run { () throws(ConnectorHostError) in
                try configuration.checkSignature(of: path, source: path, description: description)
            }
            return try await configuration.admission(path, description)
        }
        for rejected in discovery.rejected {
            logger.warning("plugin rejected", metadata: ["path": "\(rejected.path)", "error": "\(rejected.error)"])
        }
        for plugin in discovery.plugins {
            for warning in plugin.warnings {
                logger.warning("\(warning)", metadata: ["plugin": "\(plugin.description.manifest.name)"])
            }
        }
        let hosted = await withTaskGroup(of: HostedPlugin?.self) { group in
            for plugin in discovery.plugins {
                group.addTask { await host.makeHostedPlugin(path: plugin.path, description: plugin.description) }
            }
            var hosted: [String: HostedPlugin] = [:]
            for await plugin in group {
                if let plugin { hosted[plugin.name] = plugin }
            }
            return hosted
        }
        host.state.withLock {
            $0.plugins = hosted
            $0.discovery = discovery
            $0.examined = examined
            for plugin in hosted.values { $0.sources[plugin.path] = plugin.name }
        }
        host.warmUpConfiguredPlugins(hosted.values)
        return host
    }

    /// - Parameter known: The file's hash, when the caller has it already.
    func makeHostedPlugin(path: String, sha256 known: String? = nil, description: PluginDescription) async -> HostedPlugin? {
        let name = description.manifest.name
        var logger = logger
        logger[metadataKey: "plugin"] = "\(name)"
        logger[metadataKey: "version"] = "\(description.manifest.version)"
        let trusted = configuration.trustedPlugins.contains(name)
        // A worker starts whenever a call needs one, long after the scan: it
        // runs a copy of the build kept under a path of its own, which no later
        // change in the plugin directory reaches (a changed file is a new
        // build, for a reload to check). A build just scanned is linked now and
        // copied at its first worker's start (LinkedBuild): the copy must have
        // the hash that was scanned. A signed build's signature is checked on
        // the copy itself. Weak: the host holds the runtime that holds this.
        weak let weakHost = self
        @Sendable func keep(_ file: String, admitted: String?) throws(ConnectorHostError) -> KeptBuild {
            guard let host = weakHost else { throw ConnectorHostError(.unavailable, "the host has shut down") }
            let kept = try host.stageBuild(file)
            if let admitted, kept.sha256 != admitted {
                throw ConnectorHostError(
                    .conflict, "\(path) was rewritten in place since it was scanned; reload the plugin to serve its new build"
                )
            }
            try host.configuration.checkSignature(of: kept.path, source: path, description: description)
            return kept
        }
        let scanned = known ?? scanner.lastKey(of: path)?.sha256
        var linked: LinkedBuild?
        var source: BuildSource?
        if !trusted {
            linked = scanned.flatMap { linkBuild(path, sha256: $0) }
            var keepAdmitted: (@Sendable () throws(ConnectorHostError) -> KeptBuild)?
            if let linked {
                keepAdmitted = { () throws(ConnectorHostError) in try keep(linked.path, admitted: linked.sha256) }
            }
            source = BuildSource(
                path: path, keep: { () throws(ConnectorHostError) in try keep(path, admitted: nil) }, keepAdmitted: keepAdmitted
            )
        }
        var kept: KeptBuild?
        if let source, linked == nil {
            do throws(ConnectorHostError) {
                kept = try await BlockingFileWork.run(source.keep)
            } catch {
                logger.error("plugin not served: its build could not be kept", metadata: ["error": "\(error)"])
                return nil
            }
        }
        // The hash of the bytes served, as scanned or as copied: no second read.
        let sha256 = if let hash = scanned ?? kept?.sha256 { hash } else {
            try? await BlockingFileWork.run { () throws(ConnectorHostError) in try ScanKey(path: path).sha256 }
        }
        // Every line about this build — calls, worker, breaker, the plugin's
        // own — says which build it is.
        if let sha256 { logger[metadataKey: "sha256"] = "\(sha256.prefix(12))" }
        let policy = configuration.policy(for: description)
        let sessions = SessionPool()
        let runtime: any PluginRuntime
        if let source {
            runtime = SandboxRuntime(
                description: description, pluginPath: kept?.path, source: source, policy: policy,
                settings: configuration.sandbox(for: name),
                clock: configuration.clock, logger: logger,
                onQuarantine: { [onQuarantine = configuration.onQuarantine] reason in onQuarantine(name, sha256, reason) },
                onIdleStop: { sessions.forgetAll() },
                supervisor: supervision
            )
        } else {
            let image: any LoadedPlugin
            do {
                image = try PluginLoader.load(path, logger: logger)
            } catch {
                logger.error("trusted plugin failed to load in process", metadata: ["error": "\(error)"])
                return nil
            }
            // As a sandbox worker's start does: the description may be a
            // cache's, and the file's own secret must match its digest.
            guard description.isScan(of: image.description) else {
                logger.error("trusted plugin not served: its file changed since it was scanned")
                return nil
            }
            runtime = InProcessRuntime(image: image, shutdown: shutdownSignal)
        }
        let guarded = GuardedRuntime(
            runtime: runtime, policy: policy, clock: configuration.clock,
            metrics: metrics(named: name), recentCalls: recentCalls(named: name),
            logger: logger, shutdown: shutdownSignal
        )
        return HostedPlugin(path: path, fileSHA256: sha256, guarded: guarded, clock: configuration.clock, sessions: sessions)
    }

    /// Starts the workers of the plugins configured warm, without waiting for
    /// them (once the host runs): each shows `starting` until it runs, and one
    /// that cannot start says why in its status, as a worker that crashed does.
    func warmUpConfiguredPlugins(_ plugins: some Sequence<HostedPlugin>) {
        for plugin in plugins where configuration.warmPlugins.contains(plugin.name) {
            supervision.submit { [logger] in
                do throws(ConnectorHostError) {
                    try await plugin.guarded.runtime.warmUp()
                } catch {
                    logger.error("sandbox worker failed to start", metadata: ["plugin": "\(plugin.name)", "error": "\(error)"])
                }
            }
        }
    }

    /// What discovery found when the host started.
    public var discovery: DiscoveryReport { state.withLock { $0.discovery } }

    /// The connector with this name.
    ///
    /// - Throws: `not_found`, naming the connectors there are.
    public func connector(named name: String) throws(ConnectorHostError) -> Connector {
        // On every call's path: the names are listed only for the error.
        guard let plugin = state.withLock({ $0.plugins[name] }) else {
            let (known, rejected) = state.withLock { state in
                (state.plugins.keys.sorted(),
                 state.discovery.rejected.first { rejected in
                     (["\(name).so"] + ConnectorDocument.fileSuffixes.map { name + $0 }).contains { rejected.path.hasSuffix("/" + $0) }
                 })
            }
            var message = "no connector named '\(name)' in \(configuration.pluginDirectory)"
            message += known.isEmpty ? " (no plugin loaded)" : " (loaded: \(known.joined(separator: ", ")))"
            if let rejected { message += "; \(rejected.path) was rejected: \(rejected.error)" }
            throw ConnectorHostError(.notFound, message)
        }
        return Connector(plugin: plugin) { [self] in self.plugin(named: name) }
    }

    /// The hosted plugin with this name, if any.
    package func plugin(named name: String) -> HostedPlugin? { state.withLock { $0.plugins[name] } }

    /// The names of the connectors the host serves, sorted.
    public var connectorNames: [String] { state.withLock { $0.plugins.keys.sorted() } }

    /// Every plugin's state now, by name.
    public var statuses: [PluginStatus] {
        let plugins = state.withLock { state in state.plugins.keys.sorted().compactMap { state.plugins[$0] } }
        return plugins.map(\.status)
    }

    /// Reads a plugin file's description in a throwaway worker, through the
    /// host's scan cache, without serving it.
    ///
    /// - Throws: Why the file is not a usable plugin.
    public func scan(pluginAt path: String) async throws(ConnectorHostError) -> PluginDescription {
        try await scanner.scan(path)
    }

    /// Scans a plugin file in isolation, admits it, starts its runtime and serves
    /// it — in place of a plugin of the same name, which is then stopped.
    ///
    /// - Parameter path: The plugin file.
    /// - Returns: The connector, serving.
    /// - Throws: Why the file was rejected; `conflict` when its entity IDs
    ///   overlap another plugin's.
    @discardableResult
    public func load(pluginAt path: String) async throws(ConnectorHostError) -> Connector {
        let description = try await scanner.scan(path)
        try await BlockingFileWork.run { [configuration] () throws(ConnectorHostError) in
            try configuration.checkSignature(of: path, source: path, description: description)
        }
        _ = try await configuration.admission(path, description)
        let name = description.manifest.name
        let others = state.withLock { $0.plugins.values.filter { $0.name != name } }
        if let clash = others.first(where: { $0.description.manifest.claimsEntityIds(sharedWith: description.manifest) }) {
            throw ConnectorHostError(
                .conflict,
                "\(path): the entity IDs of '\(name)' (\(description.manifest.entityIdSummary)) overlap those of '\(clash.name)' (\(clash.path): \(clash.description.manifest.entityIdSummary))"
            )
        }
        guard let hosted = await makeHostedPlugin(path: path, description: description) else {
            throw ConnectorHostError(.unavailable, "\(path): the plugin could not be started")
        }
        let (replaced, accepted) = state.withLock { state -> (HostedPlugin?, Bool) in
            guard !state.shutDown else { return (nil, false) }
            return (state.serve(hosted, as: name), true)
        }
        guard accepted else {
            await hosted.guarded.runtime.shutdown()
            throw ConnectorHostError(.unavailable, "the host is shutting down")
        }
        logger.info("plugin loaded", metadata: ["plugin": "\(name)", "path": "\(path)"])
        warmUpConfiguredPlugins([hosted])
        if let replaced { await drain(replaced) }
        return Connector(plugin: hosted) { [self] in self.plugin(named: name) }
    }

    /// Stops serving a plugin: its sessions are closed and its worker stopped.
    ///
    /// - Throws: `not_found` when no plugin has this name.
    public func unload(named name: String) async throws(ConnectorHostError) {
        guard let removed = state.withLock({ $0.serve(nil, as: name) }) else {
            throw ConnectorHostError(.notFound, "no connector named '\(name)'")
        }
        await drain(removed)
        logger.info("plugin unloaded", metadata: ["plugin": "\(name)"])
    }

    /// Stops taking calls and ends the running ones within `deadline`: from
    /// now on no call and no retry starts (callers get `unavailable`); running
    /// calls are told to cancel (`is_cancelled` turns true) and may still
    /// answer; those still running at the deadline fail with `unavailable`
    /// (a trusted, in-process call cannot be cut off and runs to its end).
    /// Returns once no call runs, or at the deadline. Logged from start to end.
    ///
    /// - Parameter deadline: How long running calls may take to finish.
    public func stopCalls(within deadline: Duration) async {
        guard shutdownSignal.raise() else { return }
        let clock = configuration.clock
        let ends = clock.now + deadline
        let plugins = state.withLock { Array($0.plugins.values) }
        let running = plugins.reduce(0) { $0 + $1.callsRunning }
        logger.info("shutting down: no new calls; running calls told to cancel", metadata: [
            "running": "\(running)", "deadline": "\(deadline.secondsText)",
        ])
        for plugin in plugins { plugin.guarded.runtime.cancelRunningCalls() }
        while plugins.contains(where: { $0.callsRunning > 0 }), clock.now < ends {
            try? await clock.sleep(for: .milliseconds(5))
        }
        let left = plugins.reduce(0) { $0 + $1.callsRunning }
        guard left > 0 else {
            logger.info("shutting down: every running call finished")
            return
        }
        logger.warning("shutting down: the deadline passed with calls still running; failing them", metadata: [
            "running": "\(left)", "deadline": "\(deadline.secondsText)",
        ])
        let failure = ConnectorHostError(
            .unavailable, "the host shut down before the call finished (shutdown deadline \(deadline.secondsText))"
        )
        for plugin in plugins { plugin.guarded.runtime.failRunningCalls(with: failure) }
    }

    /// Ends running calls within the configured ``HostConfiguration/shutdownDeadline``
    /// (see ``stopCalls(within:)``), then closes every open session and stops
    /// every runtime and worker. In order: the plugin directory's watch ends,
    /// then calls, then each plugin's runtime and the supervision of its
    /// workers, then the rest of the host's background work; ``run()``
    /// returns once all of it has ended.
    public func shutdown() async {
        let first = state.withLock { state in
            defer { state.shutdownBegun = true }
            return !state.shutdownBegun
        }
        guard first else { return }
        watching.finish()
        await stopCalls(within: configuration.shutdownDeadline)
        let plugins = state.withLock { state in
            state.shutDown = true
            let plugins = Array(state.plugins.values)
            for name in state.plugins.keys { state.serve(nil, as: name) }
            return plugins
        }
        await withTaskGroup(of: Void.self) { group in
            for plugin in plugins {
                group.addTask { await plugin.guarded.runtime.shutdown() }
            }
        }
        supervision.finish()
        reloadEventStreams.finish()
        removeStagedBuilds()
        logger.info("shut down: every session closed, every worker stopped", metadata: ["plugins": "\(plugins.count)"])
    }

    /// Removes the copies of builds this host made, once no worker runs them.
    private func removeStagedBuilds() {
        let staged = state.withLock { state in
            defer { state.stagedBuilds.removeAll() }
            return state.stagedBuilds
        }
        if ownsBuildsDirectory {
            try? FileManager.default.removeItem(atPath: buildsDirectory)
        } else {
            for path in staged { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    /// Whether shutdown has begun.
    package var isShuttingDown: Bool { shutdownSignal.isRaised }
}
