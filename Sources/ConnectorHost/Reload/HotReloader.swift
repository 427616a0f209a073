import Foundation
import Logging
import Synchronization

/// Watches the plugin directory and reloads a plugin the moment its file is
/// rebuilt: written in place or renamed into place. A file counts as complete
/// once no change has come for the quiet period and its size and time have
/// stopped moving. Reloads run one at a time, so that rapid builds end with the
/// last one serving; a removed file unloads its plugin after draining.
final class HotReloader: Sendable {
    private let host: ConnectorHost
    private let quietPeriod: Duration
    private let generations = Mutex<[String: Int]>([:])
    private let serial = AsyncSemaphore(permits: 1)

    init(host: ConnectorHost, quietPeriod: Duration) {
        self.host = host
        self.quietPeriod = quietPeriod
    }

    /// Watches until the task is cancelled.
    ///
    /// - Throws: `not_found` when the directory cannot be watched.
    func run() async throws(ConnectorHostError) {
        let watcher = try PluginDirectoryWatcher(directory: host.configuration.pluginDirectory)
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                // Files changed before the watch began are caught up with first.
                for change in host.changesSinceExamined() {
                    group.addTask { await self.settle(change, generation: self.nextGeneration(of: change.path)) }
                }
                for await change in watcher.changes {
                    let generation = nextGeneration(of: change.path)
                    group.addTask { await self.settle(change, generation: generation) }
                }
            }
        } onCancel: {
            watcher.stop()
        }
    }

    private func nextGeneration(of path: String) -> Int {
        generations.withLock { generations -> Int in
            generations[path, default: 0] += 1
            return generations[path, default: 0]
        }
    }

    /// Acts on a change once no later one came for the same file.
    private func settle(_ change: PluginFileChange, generation: Int) async {
        let clock = host.configuration.clock
        var version = PluginFile.Version(path: change.path)
        while true {
            guard (try? await clock.sleep(for: quietPeriod)) != nil else { return }
            guard generations.withLock({ $0[change.path] }) == generation else { return }
            let now = PluginFile.Version(path: change.path)
            if now == version { break }
            version = now
        }
        await serial.withPermit {
            guard generations.withLock({ $0[change.path] }) == generation else { return }
            if change.kind == .removed || version == nil {
                await host.unload(source: change.path)
                return
            }
            // A second notice of a change already read (the catch-up and
            // inotify may both report one) is not a new build.
            guard !host.hasRead(change.path, at: PluginFile.Version(path: change.path)) else { return }
            _ = try? await host.reload(pluginAt: change.path)
        }
    }
}

extension ConnectorHost {
    /// Reloads plugins whenever their files change (`serve --watch`), until the
    /// task is cancelled. See ``reload(pluginAt:)`` for what a reload guarantees.
    ///
    /// - Parameter quietPeriod: How long a file must stay unchanged to count as
    ///   completely written.
    /// - Throws: `not_found` when the plugin directory cannot be watched.
    public func watch(quietPeriod: Duration = .milliseconds(50)) async throws(ConnectorHostError) {
        try await HotReloader(host: self, quietPeriod: quietPeriod).run()
    }
}
