import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// How the caller of a lone call (the only one in flight to a worker) waits
/// for its answer: it spins for a short while before it suspends.
///
/// A suspended caller is resumed by the reader thread through Swift's
/// executor, which wakes yet another thread: one wake-up per call more than
/// the two processes of a raw echo need. A continuation resumed before its
/// task has suspended costs no wake-up at all — the task simply does not
/// suspend — so a caller that is still spinning when the answer comes goes
/// on at once, on its own thread.
///
/// Spinning yields the processor on every turn (the reader that must deliver
/// the answer may be queued behind the spinner), and lasts at most its window
/// (`SandboxSettings.loneCallSpin`: 100 µs in `serve`; zero, never, unless an
/// embedding service sets it). A spin that ends without its answer means the
/// worker is slower than the window (a plugin that does real work): the next
/// ``restAfterMiss`` lone calls suspend at once, then spinning is tried again.
/// Only a lone call spins: with others in flight, the reader is busy and the
/// executor's few threads are better left to other tasks.
///
/// Spinning changes when a caller resumes, never what it is told; the window
/// is real time (not the host's injected clock), because it bounds a busy
/// wait of the processor, which a test clock does not advance.
final class LoneCallSpin: Sendable {
    /// Lone calls that suspend at once after a spin that missed.
    static let restAfterMiss = 64

    /// The longest a caller spins, in nanoseconds; 0: never.
    let window: UInt64
    private let resting = Atomic<Int>(0)

    /// - Parameter window: The longest a caller spins; zero or less: never.
    init(window: Duration) {
        self.window = window.nanosecondCount
    }

    /// Whether this lone call's caller should spin; counts down a rest.
    func shouldSpin() -> Bool {
        guard window > 0 else { return false }
        if resting.load(ordering: .relaxed) <= 0 { return true }
        resting.subtract(1, ordering: .relaxed)
        return false
    }

    /// Spins until `answered` or the window ends.
    ///
    /// - Parameter answered: Whether the answer has come; called between yields.
    func spin(until answered: () -> Bool) {
        let end = MonotonicClock.nanoseconds() &+ window
        repeat {
            if answered() { return }
            sched_yield()
        } while MonotonicClock.nanoseconds() < end
        if !answered() { resting.store(Self.restAfterMiss, ordering: .relaxed) }
    }
}
