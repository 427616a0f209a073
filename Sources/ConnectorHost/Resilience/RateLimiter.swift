import Synchronization

/// Admits at most `limit` calls in any rolling window of `window` (60 s for a
/// per-minute limit): it remembers the time of each of the last `limit`
/// admissions, so the bound is exact for every window, not only aligned ones.
public final class RateLimiter: Sendable {
    /// The admissions still inside the window, oldest first: a ring that grows
    /// with the traffic, up to the limit, never allocated for the limit upfront.
    private struct Storage {
        /// A ring whose capacity is a power of two, so that an index wraps with a mask.
        var admissions: [Duration] = []
        var oldest = 0
        var count = 0

        mutating func dropOlder(than cutoff: Duration) {
            let mask = admissions.count &- 1
            while count > 0, admissions[oldest] <= cutoff {
                oldest = (oldest &+ 1) & mask
                count -= 1
            }
        }

        mutating func append(_ time: Duration) {
            if count == admissions.count {
                // Unroll the ring into one twice as large.
                let mask = admissions.count &- 1
                var larger = [Duration](repeating: .zero, count: max(8, admissions.count * 2))
                for index in 0..<count { larger[index] = admissions[(oldest &+ index) & mask] }
                admissions = larger
                oldest = 0
            }
            admissions[(oldest &+ count) & (admissions.count &- 1)] = time
            count += 1
        }
    }

    /// Calls admitted per window.
    public let limit: Int
    /// The rolling window.
    public let window: Duration
    private let clock: any HostClock
    private let storage = Mutex(Storage())

    /// A limiter that has admitted nothing yet.
    ///
    /// - Parameters:
    ///   - limit: Calls admitted per window (at least 1).
    ///   - window: The rolling window.
    ///   - clock: The time source.
    public init(limit: Int, window: Duration = .seconds(60), clock: any HostClock) {
        self.limit = max(1, limit)
        self.window = window
        self.clock = clock
    }

    /// Admits one call now.
    ///
    /// - Throws: `rate_limited`, with the time until a slot frees up.
    public func admit() throws(ConnectorHostError) {
        try admit(at: clock.now)
    }

    /// Admits one call at `now`, a reading of this limiter's clock.
    package func admit(at now: Duration) throws(ConnectorHostError) {
        try admit(at: now, spending: true)
    }

    /// Whether a call would be admitted at `now`, without spending a slot:
    /// for the host's own calls on a caller's behalf (a session it opens),
    /// which must not run while the callers' calls are refused.
    package func check(at now: Duration) throws(ConnectorHostError) {
        try admit(at: now, spending: false)
    }

    private func admit(at now: Duration, spending: Bool) throws(ConnectorHostError) {
        let limit = self.limit
        let window = self.window
        let refusal: Duration? = storage.withLock { storage in
            storage.dropOlder(than: now - window)
            guard storage.count < limit else {
                return storage.admissions[storage.oldest] + window - now
            }
            if spending { storage.append(now) }
            return nil
        }
        if let retryAfter = refusal {
            throw ConnectorHostError(
                .rateLimited,
                "the rate limit of \(limit) calls per \(window.secondsText) is reached; a slot frees up in \(retryAfter.secondsText)",
                retryAfter: retryAfter
            )
        }
    }
}
