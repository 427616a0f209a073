import Synchronization

/// What hot reload did with a plugin-directory file, in the order it happened.
/// ``ConnectorHost/reloadEvents()`` delivers them to embedders that want to
/// act on a reload (or tell a developer), rather than poll the plugin status.
public enum ReloadEvent: Sendable {
    /// A changed build of `source` is being scanned, started and checked.
    case loading(source: String)
    /// The build serves as `plugin`; the build it replaced has drained and stopped.
    case reloaded(source: String, plugin: String, version: String, sha256: String)
    /// The file holds the build already serving as `plugin` (put back after a
    /// refused build, or renamed in unchanged): nothing to load; a refused
    /// build's ``PluginStatus/lastReloadError`` is cleared.
    case unchanged(source: String, plugin: String, sha256: String)
    /// The build was refused (``PluginStatus/lastReloadError`` says the same);
    /// the running build keeps serving.
    case refused(source: String, error: ConnectorHostError)
    /// `source` was removed: `plugin` has drained and stopped.
    case unloaded(source: String, plugin: String)

    /// The plugin-directory file the event is about.
    public var source: String {
        switch self {
        case .loading(let source), .reloaded(let source, _, _, _), .unchanged(let source, _, _), .refused(let source, _),
            .unloaded(let source, _):
            source
        }
    }
}

/// Hands every reload event to every subscriber.
final class ReloadEventStreams: Sendable {
    private let subscribers = Mutex<(next: Int, continuations: [Int: AsyncStream<ReloadEvent>.Continuation])>((0, [:]))

    func subscribe() -> AsyncStream<ReloadEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: ReloadEvent.self)
        let id = subscribers.withLock { subscribers in
            defer { subscribers.next += 1 }
            subscribers.continuations[subscribers.next] = continuation
            return subscribers.next
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.continuations.removeValue(forKey: id) }
        }
        return stream
    }

    func publish(_ event: ReloadEvent) {
        for continuation in subscribers.withLock({ Array($0.continuations.values) }) { continuation.yield(event) }
    }

    /// Ends every subscriber's stream.
    func finish() {
        for continuation in subscribers.withLock({ Array($0.continuations.values) }) { continuation.finish() }
    }
}

extension ConnectorHost {
    /// Every reload event from now on, until the host shuts down: from the
    /// watcher (``watch(quietPeriod:)``) and from ``reload(pluginAt:)`` and
    /// ``unload(source:)`` called directly.
    public func reloadEvents() -> AsyncStream<ReloadEvent> {
        reloadEventStreams.subscribe()
    }
}
