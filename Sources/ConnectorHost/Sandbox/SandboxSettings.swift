import Foundation

/// How the host runs sandbox workers.
public struct SandboxSettings: Sendable {
    /// The `connector-host-worker` binary.
    public var workerExecutable: String
    /// The largest frame host and worker exchange; a response over it fails its call.
    public var frameLimit: Int = Frame.defaultLimit
    /// How long a worker may take to load its plugin (scan or start).
    public var loadTimeout: Duration = .seconds(10)
    /// How long an abandoned call may stay unanswered before the worker counts as hung.
    public var hangGrace: Duration = .seconds(5)
    /// Delay before the first restart after a crash; doubles with every further crash.
    public var restartDelay: Duration = .milliseconds(100)
    /// Upper bound of the restart delay.
    public var restartDelayCap: Duration = .seconds(30)
    /// Crashes within ``crashWindow`` that quarantine a plugin.
    public var quarantineThreshold: Int = 5
    public var crashWindow: Duration = .seconds(60)

    /// - Parameter workerExecutable: The worker binary; by default
    ///   `$CONNECTOR_HOST_WORKER`, else `connector-host-worker` next to this
    ///   process's executable.
    public init(workerExecutable: String? = nil) {
        self.workerExecutable = workerExecutable ?? Self.defaultWorkerExecutable
    }

    /// `$CONNECTOR_HOST_WORKER`, else `connector-host-worker` next to this process's executable.
    public static var defaultWorkerExecutable: String {
        if let configured = ProcessInfo.processInfo.environment["CONNECTOR_HOST_WORKER"] { return configured }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("connector-host-worker").path
    }

    /// The restart delay after `crashes` crashes in the window.
    func restartDelay(afterCrashes crashes: Int) -> Duration {
        min(restartDelay * (1 << min(max(crashes - 1, 0), 20)), restartDelayCap)
    }
}
