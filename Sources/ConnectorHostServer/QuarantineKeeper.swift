import ConnectorHost
import ConnectorHostRegistry
import Logging
import ServiceLifecycle

/// Keeps in the registry each quarantine the host imposes, so that a build
/// quarantined for its crashes stays quarantined across restarts (and, in a
/// fleet, is known to every host). The host reports a quarantine where it
/// happens, synchronously; the registry write happens here, in order.
struct QuarantineKeeper: Service {
    struct Quarantine: Sendable {
        let plugin: String
        let sha256: String
        let reason: String
    }

    private let quarantines: AsyncStream<Quarantine>
    private let registry: Registry
    private let logger: Logger
    /// Hands a quarantine over, to be written by ``run()``.
    let report: @Sendable (_ plugin: String, _ sha256: String?, _ reason: String) -> Void

    init(registry: Registry, logger: Logger) {
        let (quarantines, continuation) = AsyncStream.makeStream(of: Quarantine.self)
        self.quarantines = quarantines
        self.registry = registry
        self.logger = logger
        report = { plugin, sha256, reason in
            guard let sha256 else { return }
            continuation.yield(Quarantine(plugin: plugin, sha256: sha256, reason: reason))
        }
    }

    func run() async {
        for await quarantine in quarantines.cancelOnGracefulShutdown() {
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
