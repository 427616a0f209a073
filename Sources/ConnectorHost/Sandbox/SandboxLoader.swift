import Foundation
import Logging

/// Starts a worker for a plugin file and completes the handshake within the
/// load timeout: shared by scanning and by the sandbox runtime, so that a file
/// being scanned is confined exactly as one being served.
enum SandboxLoader {
    /// A worker that has loaded its plugin.
    struct Loaded {
        let worker: WorkerConnection
        let ready: SandboxProtocol.Ready
        /// What confines it.
        let isolation: SandboxIsolation
    }

    /// - Returns: The worker, ready for calls, what it read from the plugin and
    ///   how isolated it is.
    /// - Throws: The load failure, `plugin_crashed` when the worker died while
    ///   loading (a crash in a constructor or the entry point), `timeout` when it
    ///   did not finish in time (it is killed), `unavailable` when the settings
    ///   require full isolation and this machine cannot give it.
    /// - Parameter egress: The plugin's egress proxy, for a serving worker
    ///   whose plugin declares hosts; nil (scanning, or none declared): no network.
    static func load(
        pluginPath: String, policy: ResiliencePolicy, settings: SandboxSettings, clock: any HostClock, logger: Logger,
        egress: EgressProxy? = nil
    ) async throws(ConnectorHostError) -> Loaded {
        // The worker's working directory is its data directory: relative paths
        // would name other files inside than outside.
        let pluginPath = URL(fileURLWithPath: pluginPath).standardizedFileURL.path
        let noNamespaces = await NamespaceProbe.unavailability(settings)
        if let noNamespaces, settings.requireIsolation {
            throw ConnectorHostError(
                .unavailable,
                "\(pluginPath): full sandbox isolation is required, and this machine cannot give it: no namespaces (\(noNamespaces)); install bubblewrap and allow user namespaces, or drop --require-isolation"
            )
        }
        if let data = settings.dataDirectory {
            do {
                try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            } catch {
                throw ConnectorHostError(.unavailable, "cannot create the plugin's data directory \(data): \(error)")
            }
        }
        // Without its own network namespace the worker has the host's network:
        // a proxy would confine nothing.
        let egressSocket = noNamespaces == nil ? egress?.socketPath : nil
        let command = WorkerCommand.make(
            settings: settings, pluginPath: pluginPath, namespaces: noNamespaces == nil, egressSocket: egressSocket
        )
        let worker = try await WorkerLauncher.launch(
            command: command, namespaced: noNamespaces == nil, pluginPath: pluginPath,
            frameLimit: settings.frameLimit, clock: clock, hangGrace: settings.hangGrace,
            loneCallSpin: LoneCallSpin(window: settings.loneCallSpin), logger: logger
        )
        let resources = settings.resources.tightened(by: policy)
        let hello = SandboxProtocol.Hello(
            protocolVersion: SandboxProtocol.version, pluginPath: pluginPath, frameLimit: settings.frameLimit,
            memoryLimitMiB: resources.memoryLimitMiB, cpuLimitSeconds: resources.cpuLimitSeconds,
            openFilesLimit: resources.openFilesLimit,
            // RLIMIT_NPROC counts every process of the user in the namespace:
            // in its own, the worker's; in the host's, the host's and every
            // other worker's too, which would starve them all.
            processLimit: noNamespaces == nil ? resources.processLimit : nil,
            allowExec: settings.allowExec, systemCallFilter: settings.systemCallFilter,
            egressSocket: egressSocket == nil ? nil : SandboxEgress.socketInSandbox
        )
        let timeout = settings.loadTimeout
        let deadline = clock.now + timeout
        let outcome = await withTaskGroup(of: Result<SandboxProtocol.Ready, ConnectorHostError>?.self) { group in
            group.addTask {
                do throws(ConnectorHostError) {
                    return .success(try await WorkerHandshake.perform(hello, with: worker))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                guard (try? await clock.sleep(until: deadline)) != nil else { return nil }
                return .failure(ConnectorHostError(
                    .timeout, "\(pluginPath): did not finish loading within \(timeout.secondsText) (a constructor or the entry point does not return)"
                ))
            }
            // The sleeper yields nil only once cancelled, so the first result decides.
            let first = await group.next() ?? nil
            group.cancelAll()
            if case .failure = first {
                // A handshake still waiting ends only once the worker does.
                worker.kill()
            }
            return first
        }
        switch outcome {
        case .success(let ready)?:
            let isolation = SandboxIsolation(namespaces: noNamespaces, seccomp: ready.seccompMissing)
            if settings.requireIsolation, !isolation.isFull {
                worker.kill()
                throw ConnectorHostError(
                    .unavailable,
                    "\(pluginPath): full sandbox isolation is required, and the worker has \(isolation); drop --require-isolation to run it anyway"
                )
            }
            if let landlock = ready.landlockMissing {
                logger.notice("sandbox worker runs without Landlock", metadata: ["reason": "\(landlock)", "plugin": "\(pluginPath)"])
            }
            if !isolation.isFull {
                logger.warning("sandbox worker runs with less than full isolation", metadata: [
                    "isolation": "\(isolation)", "plugin": "\(pluginPath)",
                ])
            }
            return Loaded(worker: worker, ready: ready, isolation: isolation)
        case .failure(let error)?:
            worker.kill()
            if error.code == .pluginCrashed {
                throw ConnectorHostError(.pluginCrashed, "\(pluginPath): crashed while loading: \(error.message)")
            }
            throw error
        case nil:
            worker.kill()
            throw ConnectorHostError(.unavailable, "\(pluginPath): loading was cancelled")
        }
    }
}
