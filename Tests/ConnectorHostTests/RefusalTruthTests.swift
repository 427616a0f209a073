@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Testing

/// Refusals say when to come back, rounded up, and never count against the
/// plugin; a probe is one attempt.
@Suite(.timeLimit(.minutes(5))) struct RefusalTruthTests {
    @Test(arguments: [
        (Duration.milliseconds(4860), 5), (.seconds(4), 4), (.milliseconds(1), 1), (.zero, 1), (.seconds(-3), 1),
        (.milliseconds(29_001), 30),
    ])
    func retryAfterIsWholeSecondsRoundedUp(duration: Duration, seconds: Int) {
        #expect(duration.retryAfterSeconds == seconds)
    }

    @Test func whileTheProbeRunsCallersAreToldToComeBackSoonNotAfterItsBound() throws {
        let clock = ManualClock()
        let breaker = CircuitBreaker(threshold: 1, recovery: .seconds(30), probeTimeout: .seconds(29), clock: clock)
        breaker.record(try breaker.admit(), success: false)
        clock.advance(by: .seconds(30))
        let probe = try breaker.admit()
        #expect(probe.isProbe)
        clock.advance(by: .seconds(2))
        var refused: ConnectorHostError?
        do { _ = try breaker.admit() } catch { refused = error }
        #expect(refused?.code == .circuitOpen)
        #expect(refused?.retryAfter == .seconds(1), "the probe may end any moment; its 27 s bound would mislead")
        #expect(refused?.message.contains("one probe call is testing the plugin") == true)
        breaker.record(probe, success: true)
        #expect(breaker.state == .closed(consecutiveFailures: 0))
    }

    @Test func refusalsToCallAQuarantinedPluginNeverOpenTheBreaker() async {
        let fixture = GuardFixture([.fail(.unavailable)], interruptible: true) { $0.breakerThreshold = 2 }
        for _ in 0..<10 { _ = await fixture.call(nil, .entityGet) }
        #expect(fixture.guarded.breaker.state == .closed(consecutiveFailures: 0))
    }

    @Test func aProbeIsOneAttempt() async throws {
        let fixture = GuardFixture([.fail(.pluginError), .fail(.timeout)], interruptible: true) {
            $0.breakerThreshold = 1
            $0.maxRetries = 3
        }
        _ = await fixture.call(nil, .entityGet)
        guard case .open(let probeAt) = fixture.guarded.breaker.state else {
            Issue.record("the breaker did not open")
            return
        }
        fixture.clock.advance(by: probeAt - fixture.clock.now)
        // A retried probe would sleep on the manual clock and never return.
        #expect(await fixture.call(nil, .entityGet).code == .timeout)
        #expect(fixture.runtime.invocations == 2)
        guard case .open = fixture.guarded.breaker.state else {
            Issue.record("a failed probe reopens the breaker")
            return
        }
    }
}
