import Synchronization

/// Wakes a worker's deadline loop: at the time it set, earlier when a call
/// brings a deadline before that, or when the worker ends. One sleeper, no
/// timer per call.
final class CallDeadlineAlarm: Sendable {
    private struct State {
        /// When the loop wakes next; nil while it reads the calls, when any
        /// new deadline must wake it.
        var wakesAt: Duration?
        var sleeper: CheckedContinuation<Void, Never>?
        /// A deadline came while the loop was between reading the calls and
        /// going to sleep: it must not sleep.
        var rang = false
        var stopped = false
    }

    private let state = Mutex(State())

    /// The loop is about to read the calls: deadlines added from now on ring.
    func beginRound() {
        state.withLock { state in
            state.wakesAt = nil
            state.rang = false
        }
    }

    /// Whether the alarm is stopped (the worker ended).
    var isStopped: Bool { state.withLock { $0.stopped } }

    /// A call (or an abandoned call's hang grace) ends at `deadline`: wakes the
    /// loop when that is before its wake time.
    func deadlineAdded(_ deadline: Duration) {
        let sleeper = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.wakesAt.map({ deadline < $0 }) ?? true else { return nil }
            state.rang = true
            defer { state.sleeper = nil }
            return state.sleeper
        }
        sleeper?.resume()
    }

    /// The worker ended: the loop wakes, and never sleeps again.
    func stop() {
        let sleeper = state.withLock { state in
            state.stopped = true
            defer { state.sleeper = nil }
            return state.sleeper
        }
        sleeper?.resume()
    }

    /// Sleeps until `deadline` on `clock`, unless rung or stopped first, or cancelled.
    func sleep(until deadline: Duration, on clock: any HostClock) async {
        state.withLock { $0.wakesAt = deadline }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await clock.sleep(until: deadline) }
            group.addTask { await self.ringing() }
            await group.next()
            group.cancelAll()
        }
    }

    private func ringing() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ringNow = state.withLock { state -> Bool in
                    guard !state.stopped, !Task.isCancelled, !state.rang else { return true }
                    state.sleeper = continuation
                    return false
                }
                if ringNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { state in
                defer { state.sleeper = nil }
                return state.sleeper
            }
            sleeper?.resume()
        }
    }
}
