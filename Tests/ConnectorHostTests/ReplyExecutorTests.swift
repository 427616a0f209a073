@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import Testing

/// A task that prefers a connector's reply executor runs on the thread that
/// reads its worker's replies, and never waits for that thread once the
/// worker is gone.
@Suite(.timeLimit(.minutes(3))) struct ReplyExecutorTests {
    @Test func callsOfATaskThatPrefersTheReplyThreadResumeOnIt() async throws {
        let fixture = try await SandboxTests.Fixture.make("hostile-abort")
        let tracker = try fixture.host.connector(named: "tracker")
        let executor = try #require(tracker.replyExecutor as? ReplyExecutor, "a running sandbox worker has a reply thread")
        #expect(!executor.isCurrentThread)
        let resumedOnReplyThread = try await withTaskExecutorPreference(executor) {
            var resumed = 0
            for _ in 0..<50 {
                _ = try await tracker.call(.metadataGet, session: nil)
                if executor.isCurrentThread { resumed += 1 }
            }
            return resumed
        }
        #expect(resumedOnReplyThread == 50)
        await fixture.shutDownAndCheckNoWorkerIsLeft()
    }

    @Test func aTaskThatPrefersACrashedWorkersThreadRunsOn() async throws {
        let fixture = try await SandboxTests.Fixture.make("hostile-abort")
        let plugin = try fixture.host.connector(named: "hostile-abort")
        let executor = try #require(plugin.replyExecutor as? ReplyExecutor)
        let answered = try await withTaskExecutorPreference(executor) {
            let session = try await plugin.openSession([])
            let crash = await #expect(throws: ConnectorHostError.self) {
                _ = try await plugin.call(.entityGet, request: Array(#"{"entityId":"1"}"#.utf8), session: session)
            }
            #expect(crash?.code == .pluginCrashed)
            #expect(!executor.isCurrentThread, "the crashed worker's reader has ended; the task runs elsewhere")
            _ = try await fixture.waitFor("hostile-abort", .restarting)
            fixture.clock.advance(by: .milliseconds(100))
            _ = try await fixture.waitFor("hostile-abort", .healthy)
            return try await plugin.call(.metadataGet, session: nil)
        }
        #expect(!answered.isEmpty, "the restarted worker answers a task that still prefers the old thread")
        #expect((plugin.replyExecutor as? ReplyExecutor) !== executor, "the new worker reads on a thread of its own")
        await fixture.shutDownAndCheckNoWorkerIsLeft()
    }
}
