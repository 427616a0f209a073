import Synchronization

/// A per-plugin circuit breaker: closed → open after `threshold` consecutive
/// failures (a success resets the count) → after `recovery`, exactly one probe
/// goes through (half-open) → closed when it succeeds, open again with a fresh
/// recovery time when it fails.
///
/// Every admission hands out a ``Ticket`` stamped with the breaker's epoch,
/// which changes on every transition. A result counts only if its ticket is of
/// the current epoch: a late failure of a call admitted before the breaker
/// opened cannot extend the open period, and two failures that cross the
/// threshold together open it once.
///
/// State lives behind a lock, not an actor: admission is on every call's path
/// and must cost nanoseconds. While the breaker is closed with no failure
/// counted — nearly always — an atomic copy of that fact and the epoch admits a
/// call and takes its success without the lock.
public final class CircuitBreaker: Sendable {
    /// The breaker's state as observers see it.
    public enum State: Sendable, Hashable, CustomStringConvertible {
        /// Calls go through; the failures since the last success are counted.
        case closed(consecutiveFailures: Int)
        /// Calls are refused until the instant `probeAt` on the host's clock.
        case open(probeAt: Duration)
        /// One probe is out; other calls are refused until it reports.
        case halfOpen

        public var description: String {
            switch self {
            case .closed: "closed"
            case .open: "open"
            case .halfOpen: "half_open"
            }
        }
    }

    /// Proof of admission; report its outcome with ``record(_:success:)``.
    public struct Ticket: Sendable {
        fileprivate let epoch: UInt64
        /// The one call let through to test a recovered plugin.
        package let isProbe: Bool
    }

    /// What callers refused while the probe runs are told to wait: its outcome
    /// can come at any moment, so the probe's time limit would overstate it.
    package static let probeRunningRetryAfter: Duration = .seconds(1)

    /// A change of state, for logs and metrics.
    public struct Transition: Sendable, Hashable {
        /// The state before.
        public var from: State
        /// The state after.
        public var to: State
    }

    private struct Storage {
        var state: State = .closed(consecutiveFailures: 0)
        var epoch: UInt64 = 0
        var probeStartedAt: Duration = .zero
    }

    private let storage = Mutex(Storage())
    /// `epoch << 1 | 1` while the state is `closed(consecutiveFailures: 0)`,
    /// else 0; written under the lock with every change of `storage`.
    private let calm = Atomic<UInt64>(1)
    private let clock: any HostClock
    /// Consecutive failures that open the breaker.
    public let threshold: Int
    /// How long the breaker stays open before one probe.
    public let recovery: Duration
    /// How long a probe may stay out before the breaker counts it as failed.
    public let probeTimeout: Duration
    private let onTransition: @Sendable (Transition) -> Void

    /// A closed breaker.
    ///
    /// - Parameters:
    ///   - threshold: Consecutive failures that open the breaker (at least 1).
    ///   - recovery: Time the breaker stays open before one probe.
    ///   - probeTimeout: Bound of a probe that never reports back.
    ///   - clock: The time source.
    ///   - onTransition: Called after every transition, outside the lock.
    public init(
        threshold: Int, recovery: Duration, probeTimeout: Duration, clock: any HostClock,
        onTransition: @escaping @Sendable (Transition) -> Void = { _ in }
    ) {
        self.threshold = max(1, threshold)
        self.recovery = recovery
        self.probeTimeout = probeTimeout
        self.clock = clock
        self.onTransition = onTransition
    }

    /// The state now; an open breaker whose recovery time has passed reports
    /// half-open-ready as `open(probeAt:)` in the past until a probe is admitted.
    public var state: State { storage.withLock { $0.state } }

    /// Admits a call or rejects it.
    ///
    /// - Returns: A ticket to report the outcome with.
    /// - Throws: `circuit_open` with the time until the next probe.
    public func admit() throws(ConnectorHostError) -> Ticket {
        try admit(at: clock.now)
    }

    /// Admits a call at `now`, a reading of this breaker's clock.
    package func admit(at now: Duration) throws(ConnectorHostError) -> Ticket {
        let calmEpoch = calm.load(ordering: .acquiring)
        if calmEpoch & 1 == 1 { return Ticket(epoch: calmEpoch >> 1, isProbe: false) }
        var transitions: [Transition] = []
        let result: Result<Ticket, ConnectorHostError> = storage.withLock { storage in
            defer { publish(storage) }
            switch storage.state {
            case .closed:
                return .success(Ticket(epoch: storage.epoch, isProbe: false))
            case .open(let probeAt):
                guard now >= probeAt else {
                    return .failure(Self.rejection(retryAfter: probeAt - now))
                }
                transitions.append(Self.move(&storage, to: .halfOpen))
                storage.probeStartedAt = now
                return .success(Ticket(epoch: storage.epoch, isProbe: true))
            case .halfOpen:
                if now - storage.probeStartedAt >= probeTimeout {
                    // The probe never reported back: it failed.
                    transitions.append(Self.move(&storage, to: .open(probeAt: now + recovery)))
                    return .failure(Self.rejection(retryAfter: recovery))
                }
                let bound = probeTimeout - (now - storage.probeStartedAt)
                return .failure(ConnectorHostError(
                    .circuitOpen,
                    "the circuit breaker is half-open: one probe call is testing the plugin and decides within \(bound.secondsText)",
                    retryAfter: min(bound, Self.probeRunningRetryAfter)
                ))
            }
        }
        transitions.forEach(onTransition)
        return try result.get()
    }

    /// Reports how an admitted call ended. Results of a past epoch are ignored.
    public func record(_ ticket: Ticket, success: Bool) {
        record(ticket, success: success, at: clock.now)
    }

    /// Reports an outcome at `now`, a reading of this breaker's clock.
    package func record(_ ticket: Ticket, success: Bool, at now: Duration) {
        // Under the lock, too, a success changes nothing then.
        if success, calm.load(ordering: .acquiring) == ticket.epoch << 1 | 1 { return }
        let transition: Transition? = storage.withLock { storage in
            defer { publish(storage) }
            guard ticket.epoch == storage.epoch else { return nil }
            switch storage.state {
            case .closed(let failures):
                if success {
                    if failures > 0 { storage.state = .closed(consecutiveFailures: 0) }
                    return nil
                }
                guard failures + 1 >= threshold else {
                    storage.state = .closed(consecutiveFailures: failures + 1)
                    return nil
                }
                return Self.move(&storage, to: .open(probeAt: now + recovery))
            case .halfOpen where ticket.isProbe:
                return Self.move(&storage, to: success ? .closed(consecutiveFailures: 0) : .open(probeAt: now + recovery))
            case .halfOpen, .open:
                return nil
            }
        }
        if let transition { onTransition(transition) }
    }

    /// Reports that an admitted call was the host's own (a session it reopened
    /// after a crash, a page size it asked for), or one the plugin never saw:
    /// its failure counts, but its success says nothing of the calls callers
    /// make, so it neither resets the
    /// count of consecutive failures nor closes a half-open breaker. Had it
    /// taken the probe, the probe is handed on: the next call is the probe.
    package func recordHostCall(_ ticket: Ticket, success: Bool, at now: Duration) {
        guard success else { return record(ticket, success: false, at: now) }
        let transition: Transition? = storage.withLock { storage in
            defer { publish(storage) }
            guard ticket.epoch == storage.epoch, ticket.isProbe, case .halfOpen = storage.state else { return nil }
            return Self.move(&storage, to: .open(probeAt: now))
        }
        if let transition { onTransition(transition) }
    }

    /// Opens the breaker now, for `recovery`, whatever its state (operator action).
    public func forceOpen() {
        let now = clock.now
        let transition = storage.withLock { storage in
            defer { publish(storage) }
            return Self.move(&storage, to: .open(probeAt: now + recovery))
        }
        onTransition(transition)
    }

    /// Closes the breaker and clears its count (operator action).
    public func reset() {
        let transition = storage.withLock { storage in
            defer { publish(storage) }
            return Self.move(&storage, to: .closed(consecutiveFailures: 0))
        }
        onTransition(transition)
    }

    /// Keeps `calm` in step with `storage`; called with the lock held.
    private func publish(_ storage: Storage) {
        let isCalm = storage.state == .closed(consecutiveFailures: 0)
        calm.store(isCalm ? storage.epoch << 1 | 1 : 0, ordering: .releasing)
    }

    private static func move(_ storage: inout Storage, to state: State) -> Transition {
        let transition = Transition(from: storage.state, to: state)
        storage.state = state
        storage.epoch &+= 1
        return transition
    }

    private static func rejection(retryAfter: Duration) -> ConnectorHostError {
        ConnectorHostError(
            .circuitOpen,
            "the circuit breaker is open after repeated failures; the next probe call goes through in \(retryAfter.secondsText)",
            retryAfter: retryAfter
        )
    }
}
