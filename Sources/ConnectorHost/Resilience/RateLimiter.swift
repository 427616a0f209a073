import Synchronization

/// Admits at most `limit` calls in any rolling window of `window` (60 s for a
/// per-minute limit).
///
/// Up to ``exactLimit`` calls per window it remembers the time of each
/// admission still inside the window, so the bound is exact for every window,
/// not only aligned ones. Above it — an operator's way to say "no limit to
/// speak of", with a memory that would otherwise grow with the traffic to a
/// minute of calls — it counts admissions in ``AdmissionSlices/count`` slices
/// of the window: still never more than `limit` in any rolling window, at the
/// price of refusing at most one slice's calls early.
public final class RateLimiter: Sendable {
    /// The largest limit counted call by call: at most 1.6 MB of times.
    public static let exactLimit = 100_000

    /// The admissions still inside the window, oldest first: a ring that grows
    /// with the traffic, up to the limit, never allocated for the limit upfront.
    private struct AdmissionLog {
        /// A ring whose capacity is a power of two, so that an index wraps with a mask.
        var admissions: [Duration] = []
        var oldest = 0
        var count = 0

        mutating func admit(at now: Duration, limit: Int, window: Duration, spending: Bool) -> Duration? {
            dropOlder(than: now - window)
            guard count < limit else { return admissions[oldest] + window - now }
            if spending { append(now) }
            return nil
        }

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

    /// Admissions counted per slice of the window, in a ring of `count + 1`
    /// slices: the slice of now and the `count` before it, which together
    /// reach back at least a whole window (a slice is the window divided by
    /// `count`, rounded up to the nanosecond).
    private struct AdmissionSlices {
        static let count: UInt64 = 1000
        /// A slice's length in nanoseconds.
        let length: UInt64
        /// Allocated on the first call.
        var counts: [Int] = []
        /// The slice (since the clock's origin) of the latest reading, and
        /// when it ends: until then, a call needs no division to find its slice.
        /// The first reading, whatever it is, starts the count.
        var newest: UInt64 = 0
        var newestEnds: Duration = .seconds(Int64.min)
        /// The sum of `counts`.
        var total = 0

        init(window: Duration) {
            length = (max(window.nanosecondCount, Self.count) + Self.count - 1) / Self.count
        }

        mutating func admit(at now: Duration, limit: Int, window: Duration, spending: Bool) -> Duration? {
            if now >= newestEnds { advance(to: now) }
            guard total < limit else {
                // The oldest slice with an admission leaves the count when the
                // slice `count + 1` after it begins.
                let first = (newest - min(newest, Self.count)...newest).first { counts[slot($0)] > 0 } ?? newest
                let (freed, overflow) = (first + Self.count + 1).multipliedReportingOverflow(by: length)
                return overflow ? window : .nanoseconds(Int64(clamping: freed)) - now
            }
            if spending {
                counts[slot(newest)] += 1
                total += 1
            }
            return nil
        }

        private mutating func advance(to now: Duration) {
            if counts.isEmpty { counts = Array(repeating: 0, count: Int(Self.count + 1)) }
            let slice = max(newest, now.nanosecondCount / length)
            let (ends, overflow) = (slice + 1).multipliedReportingOverflow(by: length)
            newestEnds = overflow ? .seconds(Int64.max) : .nanoseconds(Int64(clamping: ends))
            guard slice > newest else { return }
            if slice - newest > Self.count {
                counts.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
                total = 0
            } else {
                for passed in newest + 1...slice {
                    total -= counts[slot(passed)]
                    counts[slot(passed)] = 0
                }
            }
            newest = slice
        }

        private func slot(_ slice: UInt64) -> Int { Int(slice % (Self.count + 1)) }
    }

    /// One of the two, as ``exactLimit`` chose for the limit.
    private struct Storage {
        var log = AdmissionLog()
        var slices: AdmissionSlices
    }

    /// Calls admitted per window.
    public let limit: Int
    /// The rolling window.
    public let window: Duration
    private let clock: any HostClock
    private let storage: Mutex<Storage>
    /// Whether the limit is above ``exactLimit``, and admissions are counted per slice.
    private let sliced: Bool

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
        sliced = self.limit > Self.exactLimit
        storage = Mutex(Storage(slices: AdmissionSlices(window: window)))
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
        let sliced = self.sliced
        let refusal: Duration? = storage.withLock { storage in
            sliced
                ? storage.slices.admit(at: now, limit: limit, window: window, spending: spending)
                : storage.log.admit(at: now, limit: limit, window: window, spending: spending)
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
