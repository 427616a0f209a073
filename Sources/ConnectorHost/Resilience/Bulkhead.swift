import Synchronization

/// Bounds how many calls of one plugin run at once; a call over the bound is
/// rejected at once (never queued), so a slow plugin cannot pile up waiters.
public final class Bulkhead: Sendable {
    /// The most calls running at once.
    public let limit: Int
    private let running = Atomic<Int>(0)

    /// What a rejected caller is told to wait: a hint, since no one knows when a
    /// running call will end.
    public static let retryAfter: Duration = .seconds(1)

    /// A bulkhead admitting `limit` calls at once (at least 1).
    public init(limit: Int) { self.limit = max(1, limit) }

    /// Calls running now.
    public var inUse: Int { running.load(ordering: .relaxed) }

    /// Takes a slot.
    ///
    /// - Throws: `bulkhead_full` when every slot is taken.
    public func enter() throws(ConnectorHostError) {
        var current = running.load(ordering: .relaxed)
        while true {
            guard current < limit else {
                throw ConnectorHostError(
                    .bulkheadFull, "\(limit) calls are already running, the most this plugin may run at once",
                    retryAfter: Self.retryAfter
                )
            }
            let (done, actual) = running.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiring
            )
            if done { return }
            current = actual
        }
    }

    /// Returns a slot taken with ``enter()``.
    public func leave() {
        running.subtract(1, ordering: .releasing)
    }
}
