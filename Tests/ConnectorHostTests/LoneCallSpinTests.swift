@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Testing

/// When a lone call's caller spins for its answer, and when it stops trying.
/// Nothing here is timed: a spin that is answered ends at the answer, one
/// that is not ends at its window, and what is checked is what follows each.
@Suite(.timeLimit(.minutes(1))) struct LoneCallSpinTests {
    @Test func aSpinEndsAtTheAnswerAndTheNextCallSpinsToo() {
        let spin = LoneCallSpin(window: .microseconds(100))
        #expect(spin.shouldSpin(), "a worker not yet seen to be slow is spun for")
        var looks = 0
        spin.spin {
            looks += 1
            return true
        }
        #expect(looks == 1, "an answer already there ends the spin at the first look")
        #expect(spin.shouldSpin(), "an answered spin changes nothing")
    }

    @Test func aSpinThatMissesRestsTheNextLoneCallsThenTriesAgain() {
        let spin = LoneCallSpin(window: .microseconds(100))
        var looks = 0
        spin.spin {
            looks += 1
            return false
        }
        #expect(looks >= 2, "the answer is looked for until the window ends, once more after it")
        let decisions = (0...LoneCallSpin.restAfterMiss).map { _ in spin.shouldSpin() }
        #expect(decisions.prefix(LoneCallSpin.restAfterMiss).allSatisfy { !$0 }, "the next lone calls suspend at once")
        #expect(decisions.last == true, "then spinning is tried again")
    }

    @Test func anAnswerFirstSeenAsTheWindowEndsIsNotAMiss() {
        let spin = LoneCallSpin(window: .microseconds(100))
        let windowEnds = MonotonicClock.nanoseconds() + spin.window
        spin.spin { MonotonicClock.nanoseconds() >= windowEnds }
        #expect(spin.shouldSpin(), "the answer was there when the spin gave up: the worker is not slow")
    }

    @Test func aWindowOfZeroNeverSpins() {
        let spin = LoneCallSpin(window: .zero)
        #expect((0..<3).allSatisfy { _ in !spin.shouldSpin() })
        #expect(!LoneCallSpin(window: .microseconds(-5)).shouldSpin(), "a negative window is none")
    }
}
