import Foundation

extension ConnectorHost {
    /// Replaces the plugin a file serves with the file's current build, without
    /// dropping a call: the build is copied to a path of its own (`dlopen` of a
    /// path already open returns the old image), scanned in isolation, started
    /// and checked (a session opened and closed); then new calls switch to it at
    /// once, calls running on the old build finish there (within the drain
    /// deadline), and the old build stops. A build that fails any step never
    /// serves: the old one keeps serving and the failure is kept as its
    /// ``PluginStatus/lastReloadError``.
    ///
    /// - Parameter source: A file of the plugin directory (or any plugin file).
    /// - Returns: The connector, serving the new build.
    /// - Throws: Why the build was refused.
    @discardableResult
    public func reload(pluginAt source: String) async throws(ConnectorHostError) -> Connector {
        let version = PluginFile.Version(path: source)
        let previousName = state.withLock { state in
            state.examined[source] = version
            return state.sources[source]
        }
        var staged: String?
        do throws(ConnectorHostError) {
            let copy = try await BlockingFileWork.run { () throws(ConnectorHostError) in try self.stageBuild(source) }
            staged = copy.path
            if let previousName, let current = plugin(named: previousName), current.fileSHA256 == copy.sha256 {
                let stale = current.lastReloadError
                current.lastReloadError = nil
                logger.info("plugin file unchanged; the build it holds is serving", metadata: [
                    "plugin": "\(previousName)", "sha256": "\(copy.sha256)", "source": "\(source)",
                    "cleared": "\(stale ?? "nothing")",
                ])
                reloadEventStreams.publish(.unchanged(source: source, plugin: previousName, sha256: copy.sha256))
                return try connector(named: previousName)
            }
            reloadEventStreams.publish(.loading(source: source))
            let description = try await scanner.scan(copy.path)
            // The copy is the file checked: the source may change under us; its signature stays beside it.
            try await BlockingFileWork.run { [configuration] () throws(ConnectorHostError) in
                try configuration.checkSignature(of: copy.path, source: source, description: description)
            }
            _ = try await configuration.admission(copy.path, description)
            let name = description.manifest.name
            let others = state.withLock { state in state.plugins.values.filter { $0.name != name && $0.name != previousName } }
            if let clash = others.first(where: { $0.description.manifest.claimsEntityIds(sharedWith: description.manifest) }) {
                throw ConnectorHostError(
                    .conflict, "\(source): the entity IDs of '\(name)' overlap those of '\(clash.name)' (\(clash.path))"
                )
            }
            if let owner = state.withLock({ state in state.sources.first { $0.value == name && $0.key != source }?.key }) {
                throw ConnectorHostError(.conflict, "\(source): the name '\(name)' is already served from \(owner)")
            }
            guard let fresh = await makeHostedPlugin(path: copy.path, sha256: copy.sha256, description: description) else {
                throw ConnectorHostError(.unavailable, "\(source): the new build could not be started")
            }
            do throws(ConnectorHostError) {
                try await check(fresh)
            } catch {
                await fresh.guarded.runtime.shutdown()
                throw ConnectorHostError(error.code, "\(source): the new build failed its check: \(error.message)")
            }
            // The check ran the new build in a worker; it keeps serving only
            // where the old build had one running (or the plugin is warm).
            let previousPhase = previousName.flatMap { plugin(named: $0) }?.guarded.runtime.report.phase
            let previousRan = if case .running = previousPhase { true } else { false }
            if !previousRan, !configuration.warmPlugins.contains(name) { await fresh.guarded.runtime.stopIfUnused() }
            let (replaced, accepted) = state.withLock { state -> (HostedPlugin?, Bool) in
                guard !state.shutDown else { return (nil, false) }
                let replaced = state.serve(fresh, as: name)
                if let previousName, previousName != name { state.serve(nil, as: previousName) }
                state.sources[source] = name
                return (replaced, true)
            }
            guard accepted else {
                await fresh.guarded.runtime.shutdown()
                throw ConnectorHostError(.unavailable, "the host is shutting down")
            }
            logger.notice("plugin reloaded", metadata: [
                "plugin": "\(name)", "version": "\(description.manifest.version)", "sha256": "\(copy.sha256)",
                "source": "\(source)",
            ])
            if let replaced { await drain(replaced) }
            reloadEventStreams.publish(.reloaded(
                source: source, plugin: name, version: description.manifest.version, sha256: copy.sha256
            ))
            return try connector(named: name)
        } catch {
            // The developer knows the file they built, not the host's copy of it.
            var error = error
            if let staged { error.message = error.message.replacingOccurrences(of: staged, with: source) }
            if isShuttingDown {
                // Not the build's fault: shutdown cut the reload short.
                logger.info("reload interrupted by shutdown", metadata: ["source": "\(source)"])
                throw ConnectorHostError(.unavailable, "\(source): the reload was interrupted by shutdown")
            }
            logger.error("reload refused; the running build keeps serving", metadata: [
                "source": "\(source)", "error": "\(error)",
            ])
            if let previousName { plugin(named: previousName)?.lastReloadError = "\(error.code): \(error.message)" }
            reloadEventStreams.publish(.refused(source: source, error: error))
            throw error
        }
    }

    /// Reloads the plugin served under `name` from the file it was loaded
    /// from (see ``reload(pluginAt:)``).
    ///
    /// - Throws: `not_found` when no plugin-directory file serves the name;
    ///   otherwise as ``reload(pluginAt:)``.
    @discardableResult
    public func reload(named name: String) async throws(ConnectorHostError) -> Connector {
        guard let source = sourcePath(of: name) else {
            throw ConnectorHostError(
                .notFound, "no plugin-directory file serves a connector named '\(name)' (serving: \(connectorNames.joined(separator: ", ")))"
            )
        }
        return try await reload(pluginAt: source)
    }

    /// The plugin-directory files that changed, appeared or disappeared since
    /// the host last read them.
    func changesSinceExamined() -> [PluginFileChange] {
        let now = PluginDiscovery.versions(in: configuration.pluginDirectory)
        return state.withLock { state in
            let changed = now.filter { state.examined[$0.key] != $0.value }.keys
                .map { PluginFileChange(path: $0, kind: .written) }
            let gone = state.examined.keys.filter { now[$0] == nil }.map { PluginFileChange(path: $0, kind: .removed) }
            return (changed + gone).sorted { $0.path < $1.path }
        }
    }

    /// Whether the host last read `path` when it was at `version`.
    func hasRead(_ path: String, at version: PluginFile.Version?) -> Bool {
        state.withLock { $0.examined[path] } == version
    }

    /// The plugin-directory file a plugin is served from, if it is.
    public func sourcePath(of name: String) -> String? {
        state.withLock { $0.sources.first { $0.value == name }?.key }
    }

    /// Stops serving what a removed file served, once its running calls are done.
    public func unload(source: String) async {
        let removed = state.withLock { state -> HostedPlugin? in
            state.examined[source] = nil
            guard let name = state.sources.removeValue(forKey: source) else { return nil }
            return state.serve(nil, as: name)
        }
        guard let removed else { return }
        logger.notice("plugin file removed; unloading", metadata: ["plugin": "\(removed.name)", "source": "\(source)"])
        await drain(removed)
        reloadEventStreams.publish(.unloaded(source: source, plugin: removed.name))
    }

    /// Waits for the build's running calls to finish (at most the drain
    /// deadline), then stops it: closes its sessions and its worker, and
    /// unloads an in-process image that holds no Swift code.
    func drain(_ plugin: HostedPlugin) async {
        let deadline = configuration.clock.now + configuration.drainDeadline
        while plugin.callsRunning > 0, configuration.clock.now < deadline {
            try? await configuration.clock.sleep(for: .milliseconds(5))
        }
        if plugin.callsRunning > 0 {
            logger.warning("drain deadline passed; stopping a build with calls still running", metadata: [
                "plugin": "\(plugin.name)", "running": "\(plugin.callsRunning)",
            ])
        }
        await plugin.guarded.runtime.shutdown()
    }

    /// A session opens and closes on the new build: the host's own calls,
    /// which spend none of the callers' rate limit.
    private func check(_ plugin: HostedPlugin) async throws(ConnectorHostError) {
        let connector = Connector(plugin: plugin)
        let session = try await connector.openPooledSession(
            configuration.reloadCheckCredentials, on: plugin, hostInitiated: true
        ).id
        _ = try await connector.call(.sessionClose, request: [], session: session, on: plugin, hostInitiated: true)
    }
}
