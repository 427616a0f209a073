import ConnectorHost
import Testing

/// The manual clock tests advance instead of sleeping, and waiting for its
/// sleepers holds no thread: a watcher is woken when a task starts or stops
/// sleeping, and gives up after its real-time limit.
@Suite(.timeLimit(.minutes(1))) struct ManualClockTests {
    @Test func aWaitForSleepersEndsWhenTheyComeAndTheirDeadlinesMatch() async throws {
        let clock = ManualClock()
        let watching = Task { await clock.waitForSleepers { $0.min() == .seconds(2) } }
        let first = Task { try await clock.sleep(until: .seconds(5)) }
        #expect(await clock.waitForSleepers(1))
        let second = Task { try await clock.sleep(until: .seconds(2)) }
        #expect(await watching.value, "the second sleeper's deadline is the first now")
        clock.advance(by: .seconds(5))
        try await first.value
        try await second.value
        #expect(clock.sleeperCount == 0)
    }

    @Test func aWaitForSleepersThatNeverComeGivesUpAtItsLimit() async {
        let clock = ManualClock()
        let started = ContinuousClock.now
        #expect(await clock.waitForSleepers(1, within: .milliseconds(50)) == false)
        #expect(ContinuousClock.now - started >= .milliseconds(50))
    }

    @Test func aConditionMetBeforeTheWaitReturnsAtOnce() async throws {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(until: .seconds(1)) }
        #expect(await clock.waitForSleepers(1))
        #expect(await clock.waitForSleepers(within: .seconds(30)) { $0 == [.seconds(1)] })
        sleeper.cancel()
        #expect(await clock.waitForSleepers { $0.isEmpty }, "a cancelled sleeper leaves the clock")
        await #expect(throws: CancellationError.self) { try await sleeper.value }
    }
}
