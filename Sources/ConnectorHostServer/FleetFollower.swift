import ConnectorHost
import ConnectorHostRegistry
import ServiceLifecycle

/// Fleet mode: what another host writes to the shared registry reaches this
/// one. Every write notifies the others (PostgreSQL `NOTIFY`); on each, this
/// host's cached reads are dropped (so a revoked token or a retired connector
/// is refused here from the next request on) and the served plugins are
/// brought in line with the catalogue and the operators' pauses. A
/// reconciliation also runs every ``interval``, for what a lost connection
/// to the database hid. A server runs one only in fleet mode: a SQLite
/// registry has no other writer to follow.
struct FleetFollower: Service {
    let state: ServerState
    /// How often to reconcile without a notification.
    let interval: Duration
    /// One reconciliation at a time: a notification may arrive during the periodic one.
    private let turn = AsyncSemaphore(permits: 1)

    init(state: ServerState, interval: Duration = .seconds(10)) {
        self.state = state
        self.interval = interval
    }

    func run() async {
        let clock = state.configuration.host.clock
        await cancelWhenGracefulShutdown { [state, interval] in
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await state.registry.followChanges(clock: clock) { await reconcile() }
                }
                group.addTask {
                    while (try? await clock.sleep(for: interval)) != nil { await reconcile() }
                }
            }
        }
        await state.registry.close()
    }

    /// Serves what the catalogue says is served, stops serving what was
    /// retired, and pauses or resumes plugins as operators left them.
    func reconcile() async {
        await turn.withPermit { () async -> Void in
            await stopServingRetired()
            await CatalogueServing.restore(state: state)
            await applyPauses()
        }
    }

    private func stopServingRetired() async {
        guard !state.development, let entries = try? await state.registry.catalogue() else { return }
        for status in state.host.statuses {
            guard let served = state.host.plugin(named: status.name)?.fileSHA256 else { continue }
            let builds = entries.filter { $0.name == status.name && $0.fileSHA256 == served }
            guard !builds.isEmpty, builds.allSatisfy({ $0.status == .retired }) else { continue }
            try? await state.host.unload(named: status.name)
            state.logger.info("stopped serving a connector retired on another host", metadata: ["plugin": "\(status.name)"])
        }
    }

    private func applyPauses() async {
        guard let paused = try? await state.registry.pausedPlugins() else { return }
        for status in state.host.statuses {
            guard let plugin = state.host.plugin(named: status.name) else { continue }
            let pause = paused.contains(status.name)
            guard plugin.isPaused != pause, let connector = try? state.host.connector(named: status.name) else { continue }
            if pause { connector.pause() } else { connector.resume() }
        }
    }
}
