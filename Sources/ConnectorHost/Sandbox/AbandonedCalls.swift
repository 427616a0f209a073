import Synchronization

/// The calls a worker was told to cancel and has not answered: each may still
/// hold one of the plugin's call slots, and one left unanswered past the hang
/// grace makes the worker count as hung (its deadline loop kills it).
final class AbandonedCalls: Sendable {
    private struct State {
        /// When each unanswered call makes the worker count as hung.
        var hungAt: [UInt64: Duration] = [:]
        /// Waiting for every abandoned call to be answered (or the worker to end), by token.
        var answerWaiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
        var nextToken: UInt64 = 0
        var ended = false
    }

    private let state = Mutex(State())

    /// Unanswered abandoned calls.
    var count: Int { state.withLock { $0.hungAt.count } }

    /// Call `id` was abandoned: the worker counts as hung unless it answers by `hungAt`.
    func abandoned(_ id: UInt64, hungAt: Duration) {
        state.withLock { _ = $0.hungAt.updateValue(hungAt, forKey: id) }
    }

    /// The worker answered `id`; answers the waiters once none is left.
    func answered(_ id: UInt64) {
        let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            guard state.hungAt.removeValue(forKey: id) != nil, state.hungAt.isEmpty else { return [] }
            defer { state.answerWaiters.removeAll() }
            return Array(state.answerWaiters.values)
        }
        waiters.forEach { $0.resume(returning: true) }
    }

    /// Whether a call has stayed unanswered past its hang grace at `now`,
    /// and the next time one will.
    func hang(at now: Duration) -> (hung: Bool, next: Duration?) {
        state.withLock { state in
            (state.hungAt.values.contains { $0 <= now }, state.hungAt.values.filter { $0 > now }.min())
        }
    }

    /// The worker ended: no answer will come, and none is owed.
    func end() {
        let waiters = state.withLock { state in
            state.ended = true
            defer { state.answerWaiters.removeAll() }
            return Array(state.answerWaiters.values)
        }
        waiters.forEach { $0.resume(returning: true) }
    }

    /// Waits until the worker has answered every abandoned call (the plugin
    /// saw `is_cancelled` and returned) or has ended, or `deadline` passes.
    ///
    /// - Returns: Whether they were answered (or the worker ended) in time.
    func answered(before deadline: Duration, on clock: any HostClock) async -> Bool {
        let token = state.withLock { state in
            defer { state.nextToken += 1 }
            return state.nextToken
        }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.allAnswered(token) }
            group.addTask {
                _ = try? await clock.sleep(until: deadline)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            // The waiter is resumed once: by an answer, the end, or here.
            if !first { state.withLock { $0.answerWaiters.removeValue(forKey: token) }?.resume(returning: false) }
            return first
        }
    }

    private func allAnswered(_ token: UInt64) async -> Bool {
        await withCheckedContinuation { continuation in
            let now: Bool? = state.withLock { state in
                guard !state.ended, !state.hungAt.isEmpty else { return true }
                // Given up on before it began waiting.
                if Task.isCancelled { return false }
                state.answerWaiters[token] = continuation
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
    }
}
