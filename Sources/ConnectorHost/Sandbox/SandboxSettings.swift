import Foundation

/// How the host runs sandbox workers.
public struct SandboxSettings: Sendable {
    /// The `connector-host-worker` binary.
    public var workerExecutable: String
    /// The largest frame host and worker exchange; a response over it fails its call.
    public var frameLimit: Int = Frame.defaultLimit
    /// How long a worker may take to load its plugin (scan or start).
    public var loadTimeout: Duration = .seconds(30)
    /// How long an abandoned call may stay unanswered before the worker counts as hung.
    public var hangGrace: Duration = .seconds(5)
    /// How long the caller of a lone call (the only one in flight to its
    /// worker) spins for the answer before it suspends: an answer that comes
    /// meanwhile costs no thread wake-up (see the README's benchmarks). The
    /// caller's thread is busy for that long at most, and not at all once the
    /// plugin has been seen to answer slower. `.zero` (the default for an
    /// embedding service, whose threads are its own): callers never spin;
    /// ``recommendedLoneCallSpin`` is what `connector-host serve` sets.
    public var loneCallSpin: Duration = .zero
    /// A few round trips of a fast plugin: what `serve` spins for.
    public static let recommendedLoneCallSpin: Duration = .microseconds(100)
    /// How long a timed-out call has to answer its cancellation before a retry
    /// replaces the worker, when the call still holds the plugin's last call slot.
    public var cancelGrace: Duration = .milliseconds(100)
    /// CPU time a worker (and what it started) may use over ``idleCPUInterval``
    /// with no call in flight: a plugin thread left spinning after its call
    /// returned. Over it, the plugin is reported `degraded` and its worker
    /// recycled. nil: not watched.
    public var idleCPULimit: Duration? = .seconds(1)
    /// How often an idle worker's CPU time is read, on the host's clock.
    public var idleCPUInterval: Duration = .seconds(10)
    /// Delay before the first restart after a crash; doubles with every further crash.
    public var restartDelay: Duration = .milliseconds(100)
    /// Upper bound of the restart delay.
    public var restartDelayCap: Duration = .seconds(30)
    /// Crashes within ``crashWindow`` that quarantine a plugin.
    public var quarantineThreshold: Int = 5
    /// The window in which ``quarantineThreshold`` crashes quarantine a plugin.
    public var crashWindow: Duration = .seconds(60)
    /// How long a worker may go without a call before it is stopped, on the
    /// host's clock; the plugin is then `idle` and its next call starts a new
    /// worker (sessions are opened again). nil: a started worker runs until
    /// shutdown. ``HostConfiguration/warmPlugins`` are never stopped.
    public var idleTimeout: Duration? = .seconds(300)

    /// The worker's whole environment, besides the few variables the worker
    /// itself needs: nothing of the host's ever reaches a plugin.
    public var environment: [String: String] = [:]
    /// A directory the plugin may write, bound at the same absolute path inside
    /// its view (so settings naming files in it keep working) and its working
    /// directory; nil: none, only a private, empty `/tmp`.
    public var dataDirectory: String?
    /// The hosts the plugin talks to, as `host:port` (`api.example.com:443`).
    /// Empty: no network at all. Otherwise the worker reaches exactly these,
    /// through the host's egress proxy (`HTTPS_PROXY` and `HTTP_PROXY` name
    /// it inside the sandbox). Only a worker in its own network namespace is
    /// held to them; without namespaces it has the host's network.
    public var allowedHosts: [String] = []
    /// Whether the plugin may start programs (`execve`); denied with EPERM otherwise.
    public var allowExec = false
    /// Whether the worker installs its seccomp filter. Off only for tools that
    /// need what it denies (LeakSanitizer traces its own threads); the worker's
    /// isolation is then `partial`.
    public var systemCallFilter = true
    /// Refuse to run a plugin (or scan a file) without full isolation, with
    /// `unavailable`, rather than run it with what the kernel offers.
    public var requireIsolation = false
    /// The worker's resource limits; a plugin's descriptor (or the host's
    /// resilience settings) can only tighten them.
    public var resources = WorkerResources()
    /// bubblewrap, which gives the worker its namespaces and private view of the
    /// file system; nil runs workers without namespaces (isolation `partial`).
    public var bubblewrapExecutable: String? = Self.defaultBubblewrapExecutable

    /// Settings with the defaults, running the given worker executable.
    ///
    /// - Parameter workerExecutable: The worker binary; by default
    ///   `$CONNECTOR_HOST_WORKER`, else `connector-host-worker` next to this
    ///   process's executable.
    public init(workerExecutable: String? = nil) {
        self.workerExecutable = workerExecutable ?? Self.defaultWorkerExecutable
    }

    /// Why the worker executable cannot be run, naming where it was looked
    /// for and how to build it; nil when it can.
    var workerExecutableProblem: String? {
        guard !FileManager.default.isExecutableFile(atPath: workerExecutable) else { return nil }
        let variable = ProcessInfo.processInfo.environment["CONNECTOR_HOST_WORKER"].map { "set to \($0)" } ?? "unset"
        return "the sandbox worker executable \(workerExecutable) is missing or not executable "
            + "(looked at SandboxSettings.workerExecutable, then $CONNECTOR_HOST_WORKER (\(variable)), then "
            + "connector-host-worker next to this process's executable); build it with "
            + "`swift build --product connector-host-worker` and point CONNECTOR_HOST_WORKER or "
            + "SandboxSettings.workerExecutable at it"
    }

    /// `$CONNECTOR_HOST_WORKER`, else `connector-host-worker` next to this process's executable.
    public static var defaultWorkerExecutable: String {
        if let configured = ProcessInfo.processInfo.environment["CONNECTOR_HOST_WORKER"] { return configured }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("connector-host-worker").path
    }

    /// `/usr/bin/bwrap` (Debian: bubblewrap) if installed, else nil.
    public static var defaultBubblewrapExecutable: String? {
        ["/usr/bin/bwrap", "/usr/local/bin/bwrap"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The restart delay after `crashes` crashes in the window.
    func restartDelay(afterCrashes crashes: Int) -> Duration {
        min(restartDelay * (1 << min(max(crashes - 1, 0), 20)), restartDelayCap)
    }
}
