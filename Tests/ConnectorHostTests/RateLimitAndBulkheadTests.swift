import ConnectorHost
import SharedTestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct RateLimitAndBulkheadTests {
    @Test func rejectsTheCallOverTheLimitWithTheTimeToTheNextSlot() throws {
        let clock = ManualClock()
        let limiter = RateLimiter(limit: 3, clock: clock)
        try limiter.admit()
        clock.advance(by: .seconds(10))
        try limiter.admit()
        try limiter.admit()
        let error = #expect(throws: ConnectorHostError.self) { try limiter.admit() }
        #expect(error?.code == .rateLimited)
        #expect(error?.retryAfter == .seconds(50))
        clock.advance(by: .milliseconds(49_999))
        #expect(throws: ConnectorHostError.self) { try limiter.admit() }
        clock.advance(by: .milliseconds(1))
        try limiter.admit()
        #expect(throws: ConnectorHostError.self) { try limiter.admit() }
    }

    /// At most `limit` admissions in every 60-second window, not only in windows
    /// aligned to some grid.
    @Test func exactInEveryRollingWindow() throws {
        let clock = ManualClock()
        let limit = 7
        let limiter = RateLimiter(limit: limit, clock: clock)
        var generator = SplitMix(seed: 42)
        var admitted: [Duration] = []
        for _ in 0..<5000 {
            clock.advance(by: .milliseconds(Int64(generator.next() % 3000)))
            if (try? limiter.admit()) != nil { admitted.append(clock.now) }
        }
        #expect(admitted.count > 100)
        for (index, time) in admitted.enumerated() {
            let inWindow = admitted[...index].filter { $0 > time - .seconds(60) }.count
            #expect(inWindow <= limit)
        }
        // And it is not stricter than it must be: the limit is reached.
        #expect(admitted.indices.contains { index in
            admitted[...index].filter { $0 > admitted[index] - .seconds(60) }.count == limit
        })
    }

    /// Above `RateLimiter.exactLimit` the limiter counts per slice of the
    /// window (its memory no longer grows with the traffic): still never more
    /// than the limit in any rolling window, and refusing at most one slice's
    /// calls early.
    @Test func aLimitAboveTheExactOneHoldsInEveryRollingWindow() throws {
        let clock = ManualClock()
        let limit = RateLimiter.exactLimit + 10_000
        let limiter = RateLimiter(limit: limit, clock: clock)
        var generator = SplitMix(seed: 7)
        var bursts: [(time: Duration, admitted: Int)] = []
        // About 1.5 windows of bursts, each asking for more than the limit allows.
        for _ in 0..<220 {
            clock.advance(by: .milliseconds(Int64(generator.next() % 800)))
            var admitted = 0
            // A refused call is refused again at the same instant.
            for _ in 0..<(generator.next() % 2000) {
                guard (try? limiter.admit()) != nil else { break }
                admitted += 1
            }
            bursts.append((clock.now, admitted))
        }
        var busiest = 0
        for (index, burst) in bursts.enumerated() where burst.admitted > 0 {
            let inWindow = bursts[...index].filter { $0.time > burst.time - .seconds(60) }.reduce(0) { $0 + $1.admitted }
            #expect(inWindow <= limit, "\(inWindow) calls in the 60 s up to \(burst.time)")
            busiest = max(busiest, inWindow)
        }
        // Not stricter than it must be: within the largest burst of one slice (60 ms) of the limit.
        #expect(busiest > limit - 2000, "\(busiest)")
    }

    @Test func aSlicedLimitFreesItsOldestSliceAWindowAndASliceLater() throws {
        let clock = ManualClock()
        let limiter = RateLimiter(limit: RateLimiter.exactLimit + 1, clock: clock)
        for _ in 0...RateLimiter.exactLimit { try limiter.admit() }
        let error = #expect(throws: ConnectorHostError.self) { try limiter.admit() }
        #expect(error?.code == .rateLimited)
        #expect(error?.retryAfter == .milliseconds(60_060))
        clock.advance(by: .milliseconds(60_060) - .nanoseconds(1))
        #expect(throws: ConnectorHostError.self) { try limiter.admit() }
        clock.advance(by: .nanoseconds(1))
        try limiter.admit()
    }

    /// An injected clock may read before its origin: the first reading starts the count whatever it is.
    @Test func aSlicedLimitCountsFromAReadingBeforeTheClocksOrigin() throws {
        let clock = ManualClock()
        clock.advance(by: .seconds(-5))
        let limiter = RateLimiter(limit: RateLimiter.exactLimit + 1, clock: clock)
        for _ in 0...RateLimiter.exactLimit { try limiter.admit() }
        #expect(throws: ConnectorHostError.self) { try limiter.admit() }
    }

    @Test func bulkheadRejectsBeyondItsSlotsAndFreesThem() throws {
        let bulkhead = Bulkhead(limit: 2)
        try bulkhead.enter()
        try bulkhead.enter()
        let error = #expect(throws: ConnectorHostError.self) { try bulkhead.enter() }
        #expect(error?.code == .bulkheadFull)
        #expect(error?.retryAfter != nil)
        bulkhead.leave()
        try bulkhead.enter()
        #expect(bulkhead.inUse == 2)
    }

    @Test func rejectionsNeverReachThePlugin() async throws {
        let fixture = GuardFixture([.hang], configure: { $0.maxConcurrentCalls = 2; $0.rateLimitPerMinute = 3 })
        let first = Task { await fixture.call() }
        let second = Task { await fixture.call() }
        #expect(await eventually { fixture.runtime.invocations >= 2 })
        #expect(await fixture.call().code == .bulkheadFull)
        #expect(await fixture.call().code == .rateLimited, "the rate limit counts the rejected call too")
        #expect(fixture.runtime.invocations == 2)
        first.cancel()
        second.cancel()
        _ = await (first.value, second.value)
    }
}

/// A small deterministic generator for property tests.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
