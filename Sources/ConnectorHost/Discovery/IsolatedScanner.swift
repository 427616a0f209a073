import Logging

/// Scans each plugin file in a throwaway sandbox worker: a plugin that crashes,
/// exits or spins in a constructor or its entry point is rejected with what
/// happened, and the host is unharmed. Outcomes are cached by path, size, mtime
/// and SHA-256.
package struct IsolatedScanner: PluginScanner {
    private let settings: SandboxSettings
    private let clock: any HostClock
    private let cache: any ScanCache
    private let logger: Logger

    package init(settings: SandboxSettings, clock: any HostClock, cache: any ScanCache, logger: Logger) {
        self.settings = settings
        self.clock = clock
        self.cache = cache
        self.logger = logger
    }

    package func scan(_ path: String) async throws(ConnectorHostError) -> PluginDescription {
        let key = try ScanKey(path: path)
        if let cached = await cache.outcome(for: key) {
            switch cached {
            case .accepted(let description): return description
            case .rejected(let error): throw error
            }
        }
        do {
            // Scanning applies no resource limits of a policy: the plugin's policy
            // is only known once its descriptor has been read.
            let (worker, ready) = try await SandboxLoader.load(
                pluginPath: path, policy: ResiliencePolicy(), settings: settings, clock: clock, logger: logger
            )
            await worker.stop(within: settings.loadTimeout)
            await cache.store(.accepted(ready.description), for: key)
            return ready.description
        } catch {
            // A worker that could not even start says nothing about the file.
            if error.code != .unavailable { await cache.store(.rejected(error), for: key) }
            throw error
        }
    }
}
