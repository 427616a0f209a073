import Synchronization

/// Work that outlives the call that asks for it (a worker's start, its
/// supervision, a restart after a crash), run as child tasks of one long-lived
/// loop — ``run()`` — rather than as unstructured tasks: whoever runs the loop
/// owns the work, and ending the loop (``finish()``, or cancelling it) cancels
/// what still runs and returns once all of it has ended.
///
/// Work submitted before the loop runs waits for it; work submitted once it has
/// ended is refused. Work submitted while the loop winds down still runs, as a
/// cancelled task, so that whoever waits for its outcome is answered.
package final class SupervisedTasks: Sendable {
    package typealias Job = @Sendable () async -> Void

    private enum Phase {
        case waiting, running, ended
    }

    private struct Queue {
        var jobs: [Job] = []
        var phase = Phase.waiting
        /// Set by ``finish()``: the loop takes what is queued and ends.
        var finishing = false
        /// The loop, waiting for work.
        var idle: CheckedContinuation<Void, Never>?
    }

    private let queue = Mutex(Queue())
    /// Set once the loop is told to end, or ends.
    private let ending = SharedOutcome<Void>()

    package init() {}

    /// Whether the loop has begun (and not ended).
    package var isRunning: Bool { queue.withLock { $0.phase == .running } }

    /// Whether the loop has ended, or been told to: later work is refused.
    package var hasEnded: Bool { queue.withLock { $0.phase == .ended || $0.finishing } }

    /// Hands `job` to the loop.
    ///
    /// - Returns: False when the loop has ended (or is ending): the job will
    ///   never run.
    @discardableResult
    package func submit(_ job: @escaping Job) -> Bool {
        let (accepted, idle) = queue.withLock { queue -> (Bool, CheckedContinuation<Void, Never>?) in
            guard queue.phase != .ended, !queue.finishing else { return (false, nil) }
            queue.jobs.append(job)
            defer { queue.idle = nil }
            return (true, queue.idle)
        }
        idle?.resume()
        return accepted
    }

    /// Ends the loop: nothing more is accepted, what runs is cancelled, and
    /// ``run()`` returns once it has all ended. A loop that never ran never will.
    package func finish() {
        let idle = queue.withLock { queue -> CheckedContinuation<Void, Never>? in
            queue.finishing = true
            if queue.phase == .waiting {
                queue.phase = .ended
                queue.jobs.removeAll()
            }
            defer { queue.idle = nil }
            return queue.idle
        }
        idle?.resume()
        ending.resolve(.success(()))
    }

    /// Returns once the loop is told to end (``finish()``) or ends, or when
    /// the calling task is cancelled.
    package func untilEnded() async {
        _ = await ending.outcome()
    }

    /// Runs every job submitted, each as a child task, until ``finish()`` or
    /// until the calling task is cancelled; then cancels the jobs still running
    /// and returns once they have ended. Runs once: a second call returns at once.
    package func run() async {
        let begins = queue.withLock { queue -> Bool in
            guard queue.phase == .waiting else { return false }
            queue.phase = .running
            return true
        }
        guard begins else { return }
        await withDiscardingTaskGroup { group in
            while let jobs = await nextJobs() {
                for job in jobs { group.addTask(operation: job) }
            }
            group.cancelAll()
        }
        ending.resolve(.success(()))
    }

    /// The jobs queued since the last call, waiting for one; nil once the loop
    /// is to end (after handing out what was queued before).
    private func nextJobs() async -> [Job]? {
        while true {
            enum Next {
                case jobs([Job])
                case end
                case wait
            }
            let next = queue.withLock { queue -> Next in
                if !queue.jobs.isEmpty {
                    defer { queue.jobs.removeAll() }
                    return .jobs(queue.jobs)
                }
                if queue.finishing || Task.isCancelled {
                    queue.finishing = true
                    queue.phase = .ended
                    return .end
                }
                return .wait
            }
            switch next {
            case .jobs(let jobs): return jobs
            case .end: return nil
            case .wait: break
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let wakeNow = queue.withLock { queue -> Bool in
                        guard queue.jobs.isEmpty, !queue.finishing, !Task.isCancelled else { return true }
                        queue.idle = continuation
                        return false
                    }
                    if wakeNow { continuation.resume() }
                }
            } onCancel: {
                let idle = queue.withLock { queue in
                    defer { queue.idle = nil }
                    return queue.idle
                }
                idle?.resume()
            }
        }
    }
}
