import CConnectorHostSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The thread that reads a sandbox worker's replies, as a task executor.
///
/// A reply resumes its caller. Without a preference the caller's task then
/// runs on Swift's global executor: the reader wakes a second thread, one
/// wake-up more per call than the two processes of a raw echo need. A task
/// that prefers this executor (`withTaskExecutorPreference`) is resumed on the
/// reader thread itself, which runs it until its next suspension — typically
/// its next call, sent from the same thread — before reading again.
///
/// Jobs enqueued from other threads wake the reader through an eventfd. Once
/// the reader has ended (the worker died or stopped), jobs go to the global
/// executor, so a task that still prefers an ended worker's executor never
/// waits for a thread that is gone.
package final class ReplyExecutor: TaskExecutor, Sendable {
    private struct Queue {
        var jobs: [UnownedJob] = []
        /// The reader sleeps in `poll`: an enqueue must write to the eventfd.
        var parked = false
        var ended = false
    }

    private let queue = Mutex(Queue())
    private let readerThread = Mutex<pthread_t?>(nil)
    /// Written to wake the reader; read (and so reset) by the reader.
    package let wakeDescriptor: Int32

    package init() throws(ConnectorHostError) {
        let descriptor = CConnectorHostSystem_wake_descriptor()
        guard descriptor >= 0 else { throw ConnectorHostError(.unavailable, "eventfd failed: errno \(errno)") }
        wakeDescriptor = descriptor
    }

    deinit { Descriptors.close(wakeDescriptor) }

    package func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let (accepted, wake) = queue.withLock { queue -> (Bool, Bool) in
            guard !queue.ended else { return (false, false) }
            queue.jobs.append(unowned)
            defer { queue.parked = false }
            return (true, queue.parked)
        }
        if !accepted {
            globalConcurrentExecutor.enqueue(ExecutorJob(unowned))
        } else if wake {
            var one: UInt64 = 1
            _ = write(wakeDescriptor, &one, 8)
        }
    }

    /// Called by the reader thread as it starts: the thread jobs run on.
    package func adoptCurrentThread() {
        let current = pthread_self()
        readerThread.withLock { $0 = current }
    }

    /// Whether the caller runs on the reader thread.
    package var isCurrentThread: Bool {
        readerThread.withLock { reader in reader.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    /// Runs the jobs enqueued so far, on the calling (reader) thread. Answers
    /// whether it ran any: jobs may have sent calls whose replies are due.
    @discardableResult
    package func runPendingJobs() -> Bool {
        var ranAny = false
        while true {
            let jobs = queue.withLock { queue in
                defer { queue.jobs.removeAll(keepingCapacity: true) }
                return queue.jobs
            }
            if jobs.isEmpty { return ranAny }
            ranAny = true
            for job in jobs { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }

    /// Marks the reader as about to sleep, unless a job is waiting: answers
    /// whether it may sleep. An enqueue after this wakes it.
    package func park() -> Bool {
        queue.withLock { queue in
            guard queue.jobs.isEmpty else { return false }
            queue.parked = true
            return true
        }
    }

    /// The reader woke: enqueues need not write to the eventfd until it parks again.
    ///
    /// - Parameter woken: Whether the eventfd was readable, and is drained now.
    ///   A write that lands after the wait is drained after the next one, which
    ///   it cuts short; the job it announced is already queued by then.
    package func unpark(woken: Bool) {
        if woken {
            var count: UInt64 = 0
            _ = read(wakeDescriptor, &count, 8)
        }
        queue.withLock { $0.parked = false }
    }

    /// The reader has ended: pending and later jobs run on the global executor.
    package func end() {
        let jobs = queue.withLock { queue in
            queue.ended = true
            defer { queue.jobs.removeAll() }
            return queue.jobs
        }
        for job in jobs { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }
}
