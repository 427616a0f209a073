import Synchronization

/// Admits at most `limit` calls in any rolling window of `window` (60 s for a
/// per-minute limit): it remembers the time of each of the last `limit`
/// admissions, so the bound is exact for every window, not only aligned ones.
public final class RateLimiter: Sendable {
    private struct Storage {
        /// A ring of the last admissions' times.
        var admissions: [Duration]
        var oldest = 0
        var count = 0
    }

    public let limit: Int
    public let window: Duration
    private let clock: any HostClock
    private let storage: Mutex<Storage>

    /// - Parameters:
    ///   - limit: Calls admitted per window (at least 1).
    ///   - window: The rolling window.
    ///   - clock: The time source.
    public init(limit: Int, window: Duration = .seconds(60), clock: any HostClock) {
        self.limit = max(1, limit)
        self.window = window
        self.clock = clock
        storage = Mutex(Storage(admissions: Array(repeating: .zero, count: max(1, limit))))
    }

    /// Admits one call now.
    ///
    /// - Throws: `rate_limited`, with the time until a slot frees up.
    public func admit() throws(ConnectorHostError) {
        let now = clock.now
        let limit = self.limit
        let window = self.window
        let refusal: Duration? = storage.withLock { storage in
            while storage.count > 0, storage.admissions[storage.oldest] <= now - window {
                storage.oldest = (storage.oldest + 1) % limit
                storage.count -= 1
            }
            guard storage.count < limit else {
                return storage.admissions[storage.oldest] + window - now
            }
            storage.admissions[(storage.oldest + storage.count) % limit] = now
            storage.count += 1
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
