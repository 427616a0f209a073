@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Testing

/// What a plugin learns of its call through `is_cancelled` and `time_remaining_ns`.
@Suite(.timeLimit(.minutes(5))) struct PluginCallContextTests {
    @Test func theTimeRemainingStartsAtTheLimitAndNeverExceedsIt() {
        let context = PluginCallContext(timeLimit: .seconds(10))
        let remaining = context.remainingNanoseconds
        #expect(remaining <= 10_000_000_000)
        // The deadline comes from the coarse clock: at most a timer tick early.
        #expect(remaining > 9_000_000_000)
    }

    @Test func noLimitLeavesAllTheTimeThereIs() {
        #expect(PluginCallContext(timeLimit: nil).remainingNanoseconds == .max)
    }

    @Test func aPassedDeadlineLeavesNothing() {
        #expect(PluginCallContext(timeLimit: .zero).remainingNanoseconds == 0)
    }

    @Test func cancellingIsSeen() {
        let context = PluginCallContext(timeLimit: nil)
        #expect(!context.isCancelled)
        context.cancel()
        #expect(context.isCancelled)
    }
}
