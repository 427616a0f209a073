import Logging
import Synchronization

/// Scans each plugin file in a throwaway sandbox worker: a plugin that crashes,
/// exits or spins in a constructor or its entry point is rejected with what
/// happened, and the host is unharmed. Outcomes are cached by path, size, mtime
/// and SHA-256.
package struct IsolatedScanner: PluginScanner {
    private let settings: SandboxSettings
    private let clock: any HostClock
    private let cache: any ScanCache
    private let logger: Logger
    /// The key each path was last scanned under, so that the host knows the
    /// hash of what it admitted without reading the file again.
    private let keys = ScannedKeys()

    package init(settings: SandboxSettings, clock: any HostClock, cache: any ScanCache, logger: Logger) {
        self.settings = settings
        self.clock = clock
        self.cache = cache
        self.logger = logger
    }

    package func scan(_ path: String) async throws(ConnectorHostError) -> PluginDescription {
        // Reads and hashes the whole file: off Swift's cooperative threads.
        let key = try await BlockingFileWork.run { () throws(ConnectorHostError) in try ScanKey(path: path) }
        keys.entries.withLock { $0[path] = key }
        if let cached = await cache.outcome(for: key) {
            switch cached {
            case .accepted(let description): return description
            case .rejected(let error): throw error
            }
        }
        do {
            // Scanning applies the host's resource limits only: the plugin's
            // policy is known once its descriptor has been read.
            // The same path as a serving worker: a file's constructors and entry
            // point run while it is scanned, and get no more than when it serves.
            // Every line of the throwaway worker names the file it reads.
            var logger = logger
            logger[metadataKey: "scanning"] = "\(path)"
            logger.debug("scanning a plugin file in a throwaway worker")
            let loaded = try await SandboxLoader.load(
                pluginPath: path, policy: ResiliencePolicy(), settings: settings, clock: clock, logger: logger
            )
            await loaded.worker.stop(within: settings.loadTimeout)
            await cache.store(.accepted(loaded.ready.description), for: key)
            return loaded.ready.description
        } catch {
            // A worker that could not even start says nothing about the file.
            if error.code != .unavailable { await cache.store(.rejected(error), for: key) }
            throw error
        }
    }
}

extension IsolatedScanner {
    /// The key `path` was last scanned under; nil when it was not scanned.
    package func lastKey(of path: String) -> ScanKey? {
        keys.entries.withLock { $0[path] }
    }

    private final class ScannedKeys: Sendable {
        let entries = Mutex<[String: ScanKey]>([:])
    }
}
