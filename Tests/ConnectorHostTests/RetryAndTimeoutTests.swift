import ConnectorHost
import Testing

@Suite(.timeLimit(.minutes(5))) struct RetryAndTimeoutTests {
    /// Runs a call that retries, advancing the clock past each wait, and returns
    /// the waits it asked for.
    func drive(_ fixture: GuardFixture, expectedWaits: Int) async -> (GuardFixture.Outcome, [Duration]) {
        let call = Task { await fixture.call() }
        var waits: [Duration] = []
        for _ in 0..<expectedWaits {
            await fixture.clock.waitForSleepers(1)
            guard let deadline = fixture.clock.nextDeadline else { break }
            waits.append(deadline - fixture.clock.now)
            fixture.clock.advance(by: deadline - fixture.clock.now)
        }
        return (await call.value, waits)
    }

    @Test func maxRetriesNMeansAtMostNPlusOneAttempts() async {
        let fixture = GuardFixture([.reply(.transient)], interruptible: false)
        let (outcome, waits) = await drive(fixture, expectedWaits: 3)
        #expect(outcome == .reply(.transient))
        #expect(fixture.runtime.invocations == 4)
        #expect(waits == [.seconds(1), .seconds(2), .seconds(4)], "exponential from 1 s")
    }

    @Test func theLastAttemptsReplyIsReturnedWithTheCount() async throws {
        let fixture = GuardFixture([.reply(.transient)], interruptible: false) { $0.maxRetries = 1 }
        let call = Task { try await fixture.guarded.invoke(.serverInfo, session: nil, body: []) }
        await fixture.clock.waitForSleepers(1)
        fixture.clock.advance(by: .seconds(1))
        let reply = try await call.value
        #expect(reply.message == "scripted (gave up after 2 attempts)")
    }

    @Test func aRetryThatSucceedsEndsTheCall() async {
        let fixture = GuardFixture([.reply(.transient), .fail(.pluginCrashed), .reply(.ok)], interruptible: false)
        let (outcome, waits) = await drive(fixture, expectedWaits: 2)
        #expect(outcome == .reply(.ok))
        #expect(fixture.runtime.invocations == 3)
        #expect(waits == [.seconds(1), .seconds(2)])
    }

    @Test(arguments: [
        (ResilienceOverrides.Backoff.none, [Duration.seconds(2), .seconds(2), .seconds(2), .seconds(2)]),
        (.linear, [.seconds(2), .seconds(4), .seconds(6), .seconds(7)]),
        (.exponential, [.seconds(2), .seconds(4), .seconds(7), .seconds(7)]),
    ])
    func backoffShapesWithACap(backoff: ResilienceOverrides.Backoff, expected: [Duration]) async {
        let fixture = GuardFixture([.reply(.transient)], interruptible: false) {
            $0.maxRetries = 4
            $0.retryDelay = .seconds(2)
            $0.backoff = backoff
            $0.backoffCap = .seconds(7)
        }
        let (_, waits) = await drive(fixture, expectedWaits: 4)
        #expect(waits == expected)
    }

    @Test func jitterDrawsEachWaitBelowTheComputedOne() async {
        let fixture = GuardFixture([.reply(.transient)], interruptible: false, configure: { $0.jitter = true }) {
            $0 / 4
        }
        let (_, waits) = await drive(fixture, expectedWaits: 3)
        #expect(waits == [.milliseconds(250), .milliseconds(500), .seconds(1)])
    }

    @Test(arguments: [
        ScriptedRuntime.Step.reply(.invalidRequest), .reply(.notFound), .reply(.unauthorized), .reply(.rateLimited),
        .reply(.permanent), .fail(.invalidRequest), .fail(.notFound), .fail(.unavailable),
    ])
    func neverRetried(step: ScriptedRuntime.Step) async {
        let fixture = GuardFixture([step], interruptible: false)
        _ = await fixture.call()
        #expect(fixture.runtime.invocations == 1)
        #expect(fixture.clock.sleeperCount == 0)
    }

    @Test func noRetriesMeansOneAttempt() async {
        let fixture = GuardFixture([.reply(.transient)], interruptible: false) { $0.maxRetries = 0 }
        #expect(await fixture.call() == .reply(.transient))
        #expect(fixture.runtime.invocations == 1)
    }

    @Test func aHangingAttemptTimesOutAndIsRetried() async {
        let fixture = GuardFixture([.hang, .reply(.ok)]) {
            $0.timeout = .seconds(5)
            $0.maxRetries = 1
        }
        let (outcome, waits) = await drive(fixture, expectedWaits: 2)
        #expect(waits == [.seconds(5), .seconds(1)], "the time limit, then the retry delay")
        #expect(outcome == .reply(.ok))
        #expect(fixture.runtime.invocations == 2)
    }

    @Test func timeoutMessageNamesTheLimit() async {
        let fixture = GuardFixture([.hang]) {
            $0.timeout = .seconds(3)
            $0.maxRetries = 0
        }
        let (outcome, _) = await drive(fixture, expectedWaits: 1)
        guard case .error(.timeout, let error) = outcome else {
            Issue.record("expected a timeout, got \(outcome)")
            return
        }
        #expect(error.message == "scripted server.info did not answer within 3 s")
    }

    @Test func aCrashInASessionIsNotRetriedSinceTheSessionIsGone() async {
        let fixture = GuardFixture([.fail(.pluginCrashed), .reply(.ok)])
        let outcome = await fixture.call(SessionID(rawValue: 7))
        #expect(outcome.code == .pluginCrashed)
        #expect(fixture.runtime.invocations == 1)
    }

    @Test func theBreakerSeesOneOutcomePerCallAndRejectsWithoutCallingThePlugin() async {
        let fixture = GuardFixture([.reply(.permanent)], interruptible: false) {
            $0.breakerThreshold = 3
            $0.breakerRecovery = .seconds(30)
        }
        for _ in 0..<3 { _ = await fixture.call() }
        #expect(fixture.runtime.invocations == 3)
        #expect(await fixture.call().code == .circuitOpen)
        #expect(fixture.runtime.invocations == 3, "an open breaker never calls the plugin")

        fixture.clock.advance(by: .seconds(30))
        fixture.runtime.script([.reply(.ok)])
        #expect(await fixture.call() == .reply(.ok))
        #expect(fixture.guarded.breaker.state == .closed(consecutiveFailures: 0))
    }

    @Test func aProbeThatNeverReturnsIsEndedByItsTimeout() async {
        let fixture = GuardFixture([.reply(.permanent)], configure: {
            $0.breakerThreshold = 1
            $0.timeout = .seconds(2)
            $0.maxRetries = 0
        })
        _ = await fixture.call()
        fixture.clock.advance(by: .seconds(30))
        fixture.runtime.script([.hang])
        let probe = Task { await fixture.call() }
        await fixture.clock.waitForSleepers(1)
        #expect(fixture.guarded.breaker.state == .halfOpen)
        fixture.clock.advance(by: .seconds(2))
        #expect(await probe.value.code == .timeout)
        #expect(fixture.guarded.breaker.state == .open(probeAt: .seconds(32) + .seconds(30)))
    }

    @Test func callerMistakesDoNotCountAgainstThePlugin() async {
        let fixture = GuardFixture([.reply(.invalidRequest)], interruptible: false) { $0.breakerThreshold = 2 }
        for _ in 0..<5 { _ = await fixture.call() }
        #expect(fixture.guarded.breaker.state == .closed(consecutiveFailures: 0))
    }
}
