import Foundation
import Synchronization

/// A thread of its own for work that blocks (a database call, a file read):
/// tasks that prefer this executor (`withTaskExecutorPreference`) run their
/// synchronous stretches here, and Swift's cooperative threads, which an
/// embedding server shares, are never held up by them.
package final class DedicatedThreadExecutor: TaskExecutor, Sendable {
    private struct Queue {
        var jobs: [UnownedJob] = []
        var stopped = false
    }

    private let queue = Mutex(Queue())
    private let available = DispatchSemaphore(value: 0)

    /// Starts the thread, named `name` for debuggers and `top -H`. The
    /// thread keeps the executor until ``stop()``, which its owner calls.
    package init(name: String) {
        let thread = Thread { [self] in serve() }
        thread.name = name
        thread.start()
    }

    private func serve() {
        let executor = asUnownedTaskExecutor()
        while true {
            available.wait()
            let next = queue.withLock { queue -> UnownedJob?? in
                if queue.jobs.isEmpty { return queue.stopped ? .none : .some(nil) }
                return queue.jobs.removeFirst()
            }
            guard let next else { return }
            next?.runSynchronously(on: executor)
        }
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let accepted = queue.withLock { queue -> Bool in
            guard !queue.stopped else { return false }
            queue.jobs.append(unowned)
            return true
        }
        if accepted {
            available.signal()
        } else {
            globalConcurrentExecutor.enqueue(ExecutorJob(unowned))
        }
    }

    /// Ends the thread once the jobs queued so far have run; later jobs run on
    /// the global executor.
    package func stop() {
        let wasRunning = queue.withLock { queue -> Bool in
            defer { queue.stopped = true }
            return !queue.stopped
        }
        if wasRunning { available.signal() }
    }
}
