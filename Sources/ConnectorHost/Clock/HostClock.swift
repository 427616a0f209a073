/// The time source of every time-dependent part of the host: circuit breakers,
/// rate limits, retry backoff, timeouts, restart backoff and health. Production
/// code uses ``SystemClock``; tests use ``ManualClock`` and never sleep.
///
/// Instants are durations since an arbitrary, fixed origin, so that arithmetic
/// on them is plain `Duration` arithmetic.
public protocol HostClock: Sendable {
    /// The current instant.
    var now: Duration { get }
    /// Suspends until `deadline`.
    ///
    /// - Throws: `CancellationError` when the task is cancelled first.
    func sleep(until deadline: Duration) async throws
}

extension HostClock {
    /// Suspends for `duration`.
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now + duration)
    }
}

/// Real time: `ContinuousClock`, which keeps counting while the machine sleeps.
public struct SystemClock: HostClock {
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    /// A clock whose origin is the moment it is made.
    public init() { origin = clock.now }

    public var now: Duration { origin.duration(to: clock.now) }

    public func sleep(until deadline: Duration) async throws {
        try await clock.sleep(until: origin.advanced(by: deadline), tolerance: nil)
    }
}
