import Synchronization

/// The state behind the `ch_call` handle a plugin receives with each request:
/// whether the caller gave up, and the call's deadline.
package final class PluginCallContext: Sendable {
    private let cancelled = Atomic<Bool>(false)
    private let shutdown: ShutdownSignal?
    /// `CLOCK_MONOTONIC` nanoseconds at which the call's time is up;
    /// `UInt64.max` for no deadline.
    package let deadline: UInt64

    /// - Parameters:
    ///   - timeLimit: How long the call may take from now; nil for no
    ///     limit. The deadline is set from the coarse clock, so it may fall up to
    ///     a timer tick early.
    ///   - shutdown: The host's signal: once raised, every call counts as cancelled.
    package init(timeLimit: Duration?, shutdown: ShutdownSignal? = nil) {
        self.shutdown = shutdown
        guard let timeLimit else {
            deadline = .max
            return
        }
        let (deadline, overflow) = MonotonicClock.coarseNanoseconds().addingReportingOverflow(timeLimit.nanosecondCount)
        self.deadline = overflow ? .max : deadline
    }

    /// Tells the plugin, through `is_cancelled`, that the caller gave up.
    package func cancel() { cancelled.store(true, ordering: .relaxed) }

    package var isCancelled: Bool { cancelled.load(ordering: .relaxed) || shutdown?.isRaised == true }

    /// Nanoseconds left, 0 once passed, `UInt64.max` without a deadline.
    package var remainingNanoseconds: UInt64 {
        guard deadline != .max else { return .max }
        let now = MonotonicClock.nanoseconds()
        return deadline > now ? deadline - now : 0
    }
}
