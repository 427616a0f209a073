@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Testing

/// The dashboard's windows of recent calls, on a manual clock.
@Suite(.timeLimit(.minutes(1))) struct RecentCallsTests {
    @Test func callsFallIntoWindowsOfTenSecondsAndAgeOut() {
        let clock = ManualClock()
        let recent = RecentCalls(clock: clock)
        for _ in 0..<20 { recent.record(duration: .milliseconds(2), failed: false, at: clock.now) }
        recent.record(duration: .milliseconds(2), failed: true, at: clock.now)
        recent.recordRefusal()
        var windows = recent.summary()
        #expect(windows.count == RecentCalls.windowCount)
        #expect(windows.last?.secondsAgo == 0)
        #expect(windows.first?.secondsAgo == (RecentCalls.windowCount - 1) * 10)
        #expect(windows.last?.calls == 22)
        #expect(windows.last?.failures == 2)
        #expect(windows.last?.callsPerSecond == 2.2)

        clock.advance(by: .seconds(10))
        windows = recent.summary()
        #expect(windows.last?.calls == 0, "a new window")
        #expect(windows[windows.count - 2].calls == 22)

        clock.advance(by: .seconds(10 * RecentCalls.windowCount))
        #expect(recent.summary().allSatisfy { $0.calls == 0 }, "five minutes later, nothing is left")
    }

    @Test func percentilesAreReadToWithinAFifth() throws {
        let clock = ManualClock()
        let recent = RecentCalls(clock: clock)
        for _ in 0..<98 { recent.record(duration: .milliseconds(1), failed: false, at: clock.now) }
        for _ in 0..<2 { recent.record(duration: .milliseconds(250), failed: false, at: clock.now) }
        let window = try #require(recent.summary().last)
        let p50 = try #require(window.p50Milliseconds)
        let p99 = try #require(window.p99Milliseconds)
        #expect(p50 >= 1 && p50 < 1.2, "\(p50)")
        #expect(p99 >= 250 && p99 < 300, "\(p99)")
        #expect(RecentCalls(clock: ManualClock()).summary().last?.p50Milliseconds == nil, "no calls, no percentile")
    }
}
