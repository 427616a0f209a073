import Synchronization

/// The outcome of one piece of work that several tasks wait for (a worker's
/// start, a session's opening): set once, by whoever does the work; each
/// waiter may give up (its task is cancelled) without affecting the others or
/// the work.
package final class SharedOutcome<Value: Sendable>: Sendable {
    package typealias Outcome = Result<Value, ConnectorHostError>

    private struct State {
        var outcome: Outcome?
        var waiters: [UInt64: CheckedContinuation<Outcome?, Never>] = [:]
        var nextToken: UInt64 = 0
    }

    private let state = Mutex(State())

    package init() {}

    /// Sets the outcome and answers every waiter; later calls change nothing.
    package func resolve(_ outcome: Outcome) {
        let waiters = state.withLock { state -> [CheckedContinuation<Outcome?, Never>] in
            guard state.outcome == nil else { return [] }
            state.outcome = outcome
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: outcome) }
    }

    /// The outcome, once set.
    package var current: Outcome? { state.withLock { $0.outcome } }

    /// Waits for the outcome; nil when the calling task is cancelled first.
    package func outcome() async -> Outcome? {
        let token = state.withLock { state in
            defer { state.nextToken += 1 }
            return state.nextToken
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome?, Never>) in
                let now = state.withLock { state -> Outcome?? in
                    if let outcome = state.outcome { return .some(outcome) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[token] = continuation
                    return .none
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: token) }
            waiter?.resume(returning: nil)
        }
    }

    /// Waits for the outcome, unless `deadline` on `clock` comes first (nil).
    package func outcome(before deadline: Duration, on clock: any HostClock) async -> Outcome? {
        await withTaskGroup(of: Outcome?.self) { group in
            group.addTask { await self.outcome() }
            group.addTask {
                _ = try? await clock.sleep(until: deadline)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
