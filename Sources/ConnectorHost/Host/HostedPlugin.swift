import Logging
import Synchronization

/// A plugin the host serves: its file, description, runtime and guard.
package final class HostedPlugin: Sendable {
    package let path: String
    package let name: String
    package let guarded: GuardedRuntime
    /// Where calls to this build go, consulted on every call.
    package let router: FunctionRouter
    /// The SHA-256 of the plugin file, read once when the plugin was hosted.
    package let fileSHA256: String?
    private let clock: any HostClock
    private let paused = Atomic<Bool>(false)
    /// Sessions opened for callers, by credential set.
    let sessions: SessionPool
    private let maxResults = Atomic<Int>(0)
    private let running = Atomic<Int>(0)
    private let reloadError = Mutex<String?>(nil)
    private let retired = Atomic<Bool>(false)

    /// Whether the host stopped serving this build under its name (replaced,
    /// unloaded or shut down): handles look the name up again.
    package var isRetired: Bool { retired.load(ordering: .acquiring) }

    /// Marks the build as no longer served under its name.
    func retire() { retired.store(true, ordering: .releasing) }

    /// Counts a call running on this build, for draining it on a reload, and
    /// keeps its worker from an idle stop until the call ends.
    func beginCall() {
        running.add(1, ordering: .relaxed)
        guarded.runtime.hold()
    }

    func endCall() {
        guarded.runtime.release()
        running.subtract(1, ordering: .relaxed)
    }

    /// Calls running on this build now.
    package var callsRunning: Int { running.load(ordering: .relaxed) }

    /// Why the last attempt to replace this build failed, if it did.
    package var lastReloadError: String? {
        get { reloadError.withLock { $0 } }
        set { reloadError.withLock { $0 = newValue } }
    }

    /// The plugin's `server.info` maxResults once known.
    var knownMaxResults: Int? {
        get {
            let value = maxResults.load(ordering: .relaxed)
            return value > 0 ? value : nil
        }
        set { maxResults.store(newValue ?? 0, ordering: .relaxed) }
    }

    package var description: PluginDescription { guarded.runtime.description }

    /// - Parameter sessions: The plugin's session pool, which its runtime
    ///   empties when the worker they lived in stops for want of calls.
    package init(
        path: String, fileSHA256: String?, guarded: GuardedRuntime, clock: any HostClock, sessions: SessionPool = SessionPool()
    ) {
        self.path = path
        self.sessions = sessions
        name = guarded.runtime.description.manifest.name
        self.guarded = guarded
        self.clock = clock
        self.fileSHA256 = fileSHA256
        router = FunctionRouter(guarded.runtime.description)
    }

    /// Whether an operator has paused the plugin: it takes no calls until resumed.
    package var isPaused: Bool {
        get { paused.load(ordering: .relaxed) }
    }

    package func setPaused(_ value: Bool) {
        paused.store(value, ordering: .relaxed)
    }

    /// The plugin's state now.
    package var status: PluginStatus {
        let now = clock.now
        let report = guarded.runtime.report
        var status = PluginStatus(
            name: description.manifest.name, version: description.manifest.version, path: path,
            runtime: report.kind, health: .healthy, breakerState: .init(guarded.breaker.state), restarts: report.restarts,
            abiVersion: description.abiVersion, fileSHA256: fileSHA256
        )
        status.lastCrash = report.lastCrash
        status.isolation = report.isolation
        switch report.phase {
        case .running(let pid):
            status.pid = pid
        case .idle:
            status.health = .idle
        case .starting:
            status.health = .starting
        case .restarting(let at):
            status.health = .restarting
            status.secondsToRestart = max(0, (at - now).seconds)
        case .quarantined(let reason):
            status.health = .quarantined
            status.reason = reason
        case .shutDown:
            status.health = .stopped
        }
        status.lastReloadError = lastReloadError
        if isPaused {
            status.health = .paused
            return status
        }
        guard status.health == .healthy else { return status }
        switch guarded.breaker.state {
        case .closed:
            if let degraded = report.degraded {
                status.health = .degraded
                status.reason = degraded
            }
        case .open(let probeAt):
            status.health = .degraded
            status.secondsToNextProbe = max(0, (probeAt - now).seconds)
        case .halfOpen:
            status.health = .degraded
            status.secondsToNextProbe = 0
        }
        return status
    }
}
