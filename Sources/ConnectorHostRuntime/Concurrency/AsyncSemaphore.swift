import Synchronization

/// A counting semaphore for async code: `acquire` suspends (never blocks a
/// thread) until a permit is free; permits are handed out in arrival order.
package final class AsyncSemaphore: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
        var firstWaiter = 0
    }

    private let state: Mutex<State>

    /// - Parameter permits: How many holders may run at once.
    package init(permits: Int) {
        state = Mutex(State(available: permits))
    }

    /// Waits for a permit.
    nonisolated(nonsending) package func acquire() async {
        let acquired = state.withLock { state in
            guard state.available > 0 else { return false }
            state.available -= 1
            return true
        }
        guard !acquired else { return }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                // A permit may have been released between the two locks.
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Returns a permit, waking the longest waiter if there is one.
    package func release() {
        let next: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard state.firstWaiter < state.waiters.count else {
                state.available += 1
                return nil
            }
            let waiter = state.waiters[state.firstWaiter]
            state.firstWaiter += 1
            if state.firstWaiter == state.waiters.count {
                state.waiters.removeAll(keepingCapacity: true)
                state.firstWaiter = 0
            }
            return waiter
        }
        next?.resume()
    }

    /// Runs `body` holding a permit.
    nonisolated(nonsending) package func withPermit<Result: Sendable, Failure: Error>(
        _ body: nonisolated(nonsending) () async throws(Failure) -> Result
    ) async throws(Failure) -> Result {
        await acquire()
        defer { release() }
        return try await body()
    }
}
