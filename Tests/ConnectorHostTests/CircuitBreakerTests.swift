import ConnectorHost
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(5))) struct CircuitBreakerTests {
    final class Transitions: Sendable {
        let list = Mutex<[CircuitBreaker.Transition]>([])
        var count: Int { list.withLock { $0.count } }
    }

    func breaker(threshold: Int = 5, clock: ManualClock, transitions: Transitions = Transitions()) -> CircuitBreaker {
        CircuitBreaker(threshold: threshold, recovery: .seconds(30), probeTimeout: .seconds(10), clock: clock) { transition in
            transitions.list.withLock { $0.append(transition) }
        }
    }

    func fail(_ breaker: CircuitBreaker, times: Int) throws {
        for _ in 0..<times { breaker.record(try breaker.admit(), success: false) }
    }

    @Test func opensOnTheNthConsecutiveFailureOnly() throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        try fail(breaker, times: 4)
        #expect(breaker.state == .closed(consecutiveFailures: 4))
        try fail(breaker, times: 1)
        #expect(breaker.state == .open(probeAt: .seconds(30)))
    }

    @Test func aSuccessResetsTheCount() throws {
        let breaker = breaker(clock: ManualClock())
        try fail(breaker, times: 4)
        breaker.record(try breaker.admit(), success: true)
        #expect(breaker.state == .closed(consecutiveFailures: 0))
        try fail(breaker, times: 4)
        #expect(breaker.state == .closed(consecutiveFailures: 4))
    }

    @Test func alternatingFailuresAndSuccessesNeverOpenIt() throws {
        let breaker = breaker(threshold: 2, clock: ManualClock())
        for _ in 0..<100 {
            breaker.record(try breaker.admit(), success: false)
            breaker.record(try breaker.admit(), success: true)
        }
        #expect(breaker.state == .closed(consecutiveFailures: 0))
    }

    @Test func whileOpenCallsAreRejectedWithTheTimeToTheProbe() throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        try fail(breaker, times: 5)
        clock.advance(by: .seconds(12))
        let error = #expect(throws: ConnectorHostError.self) { _ = try breaker.admit() }
        #expect(error?.code == .circuitOpen)
        #expect(error?.retryAfter == .seconds(18))
        #expect(error?.message.contains("the next probe call goes through in 18 s") == true)
        // Rejections are not failures: the recovery time did not move.
        #expect(breaker.state == .open(probeAt: .seconds(30)))
    }

    @Test func afterRecoveryExactlyOneOfTenConcurrentCallersProbes() async throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        try fail(breaker, times: 5)
        clock.advance(by: .seconds(30))
        let admitted = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<10 {
                group.addTask { (try? breaker.admit()) != nil }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(admitted == 1)
        #expect(breaker.state == .halfOpen)
    }

    @Test func probeSuccessClosesAndResets() throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        try fail(breaker, times: 5)
        clock.advance(by: .seconds(30))
        breaker.record(try breaker.admit(), success: true)
        #expect(breaker.state == .closed(consecutiveFailures: 0))
        try fail(breaker, times: 4)
        #expect(breaker.state == .closed(consecutiveFailures: 4), "the count started over")
    }

    @Test func probeFailureReopensWithAFreshRecoveryTime() throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        try fail(breaker, times: 5)
        clock.advance(by: .seconds(31))
        let probe = try breaker.admit()
        clock.advance(by: .seconds(2))
        breaker.record(probe, success: false)
        #expect(breaker.state == .open(probeAt: .seconds(63)))
    }

    @Test func aProbeThatNeverReportsBackDoesNotKeepItHalfOpen() throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        try fail(breaker, times: 5)
        clock.advance(by: .seconds(30))
        _ = try breaker.admit()
        clock.advance(by: .seconds(9))
        #expect(throws: ConnectorHostError.self) { _ = try breaker.admit() }
        #expect(breaker.state == .halfOpen)
        clock.advance(by: .seconds(1))
        // The probe's time is up: it counts as failed and the breaker reopens.
        let error = #expect(throws: ConnectorHostError.self) { _ = try breaker.admit() }
        #expect(error?.code == .circuitOpen)
        #expect(breaker.state == .open(probeAt: .seconds(70)))
    }

    @Test func aLateFailureDoesNotExtendTheOpenPeriod() throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        let early = try breaker.admit()
        try fail(breaker, times: 5)
        clock.advance(by: .seconds(20))
        breaker.record(early, success: false)
        #expect(breaker.state == .open(probeAt: .seconds(30)))
    }

    @Test func twoCallersCrossingTheThresholdTogetherOpenItOnce() async throws {
        let clock = ManualClock()
        let transitions = Transitions()
        let breaker = breaker(clock: clock, transitions: transitions)
        try fail(breaker, times: 4)
        let tickets = try (0..<8).map { _ in try breaker.admit() }
        await withTaskGroup(of: Void.self) { group in
            for ticket in tickets {
                group.addTask { breaker.record(ticket, success: false) }
            }
        }
        #expect(transitions.count == 1)
        #expect(breaker.state == .open(probeAt: .seconds(0) + .seconds(30)))
    }

    @Test func anOperatorCanForceItOpenAndResetIt() throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        breaker.forceOpen()
        #expect(breaker.state == .open(probeAt: .seconds(30)))
        #expect(throws: ConnectorHostError.self) { _ = try breaker.admit() }
        breaker.reset()
        #expect(breaker.state == .closed(consecutiveFailures: 0))
        _ = try breaker.admit()
    }

    /// A closed breaker with no failure counted admits without its lock: its
    /// tickets still carry the epoch, so one from before a reset says nothing
    /// after it, and failures of calls it admitted together open it once.
    @Test func ticketsOfACalmBreakerCountOnlyInTheirEpoch() async throws {
        let clock = ManualClock()
        let transitions = Transitions()
        let breaker = breaker(clock: clock, transitions: transitions)
        let early = try breaker.admit()
        try fail(breaker, times: 5)
        breaker.reset()
        breaker.record(early, success: false)
        #expect(breaker.state == .closed(consecutiveFailures: 0))
        let tickets = try (0..<8).map { _ in try breaker.admit() }
        await withTaskGroup(of: Void.self) { group in
            for ticket in tickets {
                group.addTask { breaker.record(ticket, success: false) }
            }
        }
        #expect(transitions.count == 3, "opened, reset, opened once more")
        #expect(breaker.state == .open(probeAt: .seconds(30)))
        breaker.record(early, success: true)
        #expect(breaker.state == .open(probeAt: .seconds(30)))
    }
}
