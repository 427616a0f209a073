/// What a runtime tells of itself for a plugin's status, whichever runtime it is.
package struct RuntimeReport: Sendable, Equatable {
    /// Where a runtime is in its life.
    package enum Phase: Sendable, Equatable {
        /// No worker runs: none was needed yet, or it stopped after its idle
        /// period. The next call starts one.
        case idle
        case starting
        /// Taking calls: in a worker process, or in the host's own (nil).
        case running(pid: Int32?)
        /// A crash happened; the next worker starts at `at`.
        case restarting(at: Duration)
        case quarantined(reason: String)
        case shutDown
    }

    /// `sandbox` or `in-process`.
    package var kind: String
    package var phase: Phase
    /// Restarts after crashes.
    package var restarts = 0
    /// The last crash, as a sentence, if there was one.
    package var lastCrash: String?
    /// A worker's ``SandboxIsolation``; nil in process.
    package var isolation: String?
    /// Why the runtime serves, but not as it should (a worker recycled for
    /// using CPU with no call in flight); nil when nothing is wrong.
    package var degraded: String?

    package init(kind: String, phase: Phase, restarts: Int = 0, lastCrash: String? = nil, isolation: String? = nil, degraded: String? = nil) {
        self.kind = kind
        self.phase = phase
        self.restarts = restarts
        self.lastCrash = lastCrash
        self.isolation = isolation
        self.degraded = degraded
    }
}
