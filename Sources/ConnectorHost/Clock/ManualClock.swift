import Synchronization

/// A clock that moves only when told to: tests advance it past recovery times,
/// timeouts and backoff delays instead of sleeping through them.
public final class ManualClock: HostClock {
    private struct Sleeper {
        let id: UInt64
        let deadline: Duration
        let continuation: CheckedContinuation<Void, any Error>
    }

    /// A task waiting for the sleepers to meet its condition.
    private struct Watcher {
        let id: UInt64
        let condition: @Sendable ([Duration]) -> Bool
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var now: Duration = .zero
        var sleepers: [Sleeper] = []
        var watchers: [Watcher] = []
        /// Watchers whose time ran out before they were registered.
        var expired: Set<UInt64> = []
        var nextID: UInt64 = 0

        /// Takes out the watchers whose condition the sleepers now meet.
        mutating func satisfiedWatchers() -> [Watcher] {
            guard !watchers.isEmpty else { return [] }
            let deadlines = sleepers.map(\.deadline)
            let satisfied = watchers.filter { $0.condition(deadlines) }
            watchers.removeAll { watcher in satisfied.contains { $0.id == watcher.id } }
            return satisfied
        }
    }

    private let state = Mutex(State())

    /// A clock at instant zero, with no sleeper.
    public init() {}

    public var now: Duration { state.withLock { $0.now } }

    /// Suspends until the clock is advanced to `deadline` (at once if it is there already).
    public func sleep(until deadline: Duration) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (resume, satisfied) = state.withLock { state -> (Result<Void, any Error>?, [Watcher]) in
                    if Task.isCancelled { return (.failure(CancellationError()), []) }
                    if deadline <= state.now { return (.success(()), []) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return (nil, state.satisfiedWatchers())
                }
                if let resume { continuation.resume(with: resume) }
                satisfied.forEach { $0.continuation.resume(returning: true) }
            }
        } onCancel: {
            let (cancelled, satisfied) = state.withLock { state -> (Sleeper?, [Watcher]) in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return (nil, []) }
                let cancelled = state.sleepers.remove(at: index)
                return (cancelled, state.satisfiedWatchers())
            }
            cancelled?.continuation.resume(throwing: CancellationError())
            satisfied.forEach { $0.continuation.resume(returning: true) }
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    public func advance(by duration: Duration) {
        let (due, satisfied) = state.withLock { state -> ([Sleeper], [Watcher]) in
            state.now += duration
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return (due, state.satisfiedWatchers())
        }
        satisfied.forEach { $0.continuation.resume(returning: true) }
        for sleeper in due.sorted(by: { $0.deadline < $1.deadline }) {
            sleeper.continuation.resume()
        }
    }

    /// How many tasks are sleeping on this clock.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline a task sleeps until, if any.
    public var nextDeadline: Duration? { state.withLock { $0.sleepers.map(\.deadline).min() } }

    /// Waits until at least `count` tasks sleep on the clock.
    ///
    /// - Parameters:
    ///   - count: How many sleeping tasks to wait for.
    ///   - limit: Real time to wait at most.
    /// - Returns: false if that did not happen within `limit`.
    @discardableResult
    public func waitForSleepers(_ count: Int = 1, within limit: Duration = .seconds(30)) async -> Bool {
        await waitForSleepers(within: limit) { $0.count >= count }
    }

    /// Waits until the deadlines of the tasks sleeping on the clock meet
    /// `condition` (checked whenever a task starts or stops sleeping), without
    /// holding a thread meanwhile.
    ///
    /// - Parameters:
    ///   - limit: Real time to wait at most.
    ///   - condition: Told the deadlines of the sleeping tasks; true ends the wait.
    /// - Returns: false if that did not happen within `limit`.
    @discardableResult
    public func waitForSleepers(
        within limit: Duration = .seconds(30), where condition: @escaping @Sendable (_ deadlines: [Duration]) -> Bool
    ) async -> Bool {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskGroup(of: Bool?.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                    let answer = self.state.withLock { state -> Bool? in
                        if state.expired.remove(id) != nil { return false }
                        if condition(state.sleepers.map(\.deadline)) { return true }
                        state.watchers.append(Watcher(id: id, condition: condition, continuation: continuation))
                        return nil
                    }
                    if let answer { continuation.resume(returning: answer) }
                }
            }
            group.addTask {
                // Cancelled once the condition is met; otherwise the time is up.
                guard (try? await Task.sleep(for: limit)) != nil else { return nil }
                let watcher = self.state.withLock { state -> Watcher? in
                    guard let index = state.watchers.firstIndex(where: { $0.id == id }) else {
                        state.expired.insert(id)
                        return nil
                    }
                    return state.watchers.remove(at: index)
                }
                watcher?.continuation.resume(returning: false)
                return nil
            }
            var met = false
            for await answer in group {
                guard let answer else { continue }
                met = answer
                group.cancelAll()
            }
            // A time-out that lost the race must not leave its mark.
            state.withLock { _ = $0.expired.remove(id) }
            return met
        }
    }
}
