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
