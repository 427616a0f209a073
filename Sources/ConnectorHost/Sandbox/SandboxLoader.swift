import Logging

/// Starts a worker for a plugin file and completes the handshake within the
/// load timeout: shared by scanning and by the sandbox runtime.
enum SandboxLoader {
    /// - Returns: The worker, ready for calls, and what it read from the plugin.
    /// - Throws: The load failure, `plugin_crashed` when the worker died while
    ///   loading (a crash in a constructor or the entry point), `timeout` when it
    ///   did not finish in time (it is killed).
    static func load(
        pluginPath: String, policy: ResiliencePolicy, settings: SandboxSettings, clock: any HostClock, logger: Logger
    ) async throws(ConnectorHostError) -> (SandboxWorker, SandboxProtocol.Ready) {
        let worker = try await SandboxWorker.launch(
            executable: settings.workerExecutable, pluginPath: pluginPath, frameLimit: settings.frameLimit,
            clock: clock, hangGrace: settings.hangGrace, logger: logger
        )
        let hello = SandboxProtocol.Hello(
            protocolVersion: SandboxProtocol.version, pluginPath: pluginPath, frameLimit: settings.frameLimit,
            memoryLimitMiB: policy.memoryLimitMiB, cpuLimitSeconds: policy.cpuLimitSeconds,
            openFilesLimit: policy.openFilesLimit
        )
        let timeout = settings.loadTimeout
        let deadline = clock.now + timeout
        let outcome = await withTaskGroup(of: Result<SandboxProtocol.Ready, ConnectorHostError>?.self) { group in
            group.addTask {
                do throws(ConnectorHostError) {
                    return .success(try await worker.handshake(hello))
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
            return (worker, ready)
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
