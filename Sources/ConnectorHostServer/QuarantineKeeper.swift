import ConnectorHost
import ConnectorHostRegistry
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps in the registry each quarantine the host imposes, so that a build
/// quarantined for its crashes stays quarantined across restarts (and, in a
/// fleet, is known to every host). The host reports a quarantine where it
/// happens, synchronously; the registry write happens here, in order, and
/// what is reported before the server stops is written before it stops.
final class QuarantineKeeper: Service, Sendable {
    struct Quarantine: Sendable {
        let plugin: String
        let sha256: String
        let reason: String
    }

    private let pending = Mutex<[Quarantine]>([])
    private let reported: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let registry: Registry
    private let logger: Logger

    init(registry: Registry, logger: Logger) {
        (reported, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.registry = registry
        self.logger = logger
    }

    /// Hands a quarantine over, to be written by ``run()``.
    func report(plugin: String, sha256: String?, reason: String) {
        guard let sha256 else { return }
        pending.withLock { $0.append(Quarantine(plugin: plugin, sha256: sha256, reason: reason)) }
        wake.yield()
    }

    func run() async {
        for await _ in reported.cancelOnGracefulShutdown() {
            await writePending()
        }
        // Stopping (gracefully or cancelled): what was reported is still written.
        await writePending()
    }

    private func writePending() async {
        let quarantines = pending.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
        for quarantine in quarantines {
            do {
                try await registry.setQuarantine(plugin: quarantine.plugin, sha256: quarantine.sha256, reason: quarantine.reason)
            } catch {
                logger.error(
                    "cannot keep a quarantine in the registry", metadata: ["plugin": "\(quarantine.plugin)", "error": "\(error)"]
                )
            }
        }
    }
}
