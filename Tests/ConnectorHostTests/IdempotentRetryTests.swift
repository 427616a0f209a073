@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import Testing

/// An attempt that timed out or crashed may have reached the end system: it is
/// repeated only for operations that cannot duplicate data.
@Suite(.timeLimit(.minutes(2))) struct IdempotentRetryTests {
    @Test(arguments: [ConnectorHostError.Code.timeout, .pluginCrashed])
    func aCreateThatMayHaveLandedIsNotRepeated(failure: ConnectorHostError.Code) async {
        let fixture = GuardFixture([.fail(failure)], interruptible: true)
        let outcome = await fixture.call(SessionID(rawValue: 1), .entityCreate)
        #expect(outcome.code == failure)
        #expect(fixture.runtime.invocations == 1)
        if case .error(_, let error) = outcome {
            #expect(error.message.contains("not retried: entity.create is not idempotent"), "\(error.message)")
        }
    }

    @Test(arguments: [StandardOperation.entityCreate, .commentAdd, .attachmentCreate])
    func nonIdempotentOperationsTimeOutOnce(operation: StandardOperation) async {
        let fixture = GuardFixture([.fail(.timeout)], interruptible: true)
        _ = await fixture.call(nil, operation)
        #expect(fixture.runtime.invocations == 1, "\(operation)")
    }

    @Test func anUpdateThatTimedOutIsRepeated() async {
        let fixture = GuardFixture([.fail(.timeout), .fail(.timeout), .reply(.ok)], interruptible: true)
        let call = Task { await fixture.call(nil, .entityUpdate) }
        for _ in 0..<2 {
            await fixture.clock.waitForSleepers(1)
            if let deadline = fixture.clock.nextDeadline { fixture.clock.advance(by: deadline - fixture.clock.now) }
        }
        #expect(await call.value == .reply(.ok))
        #expect(fixture.runtime.invocations == 3)
    }

    @Test func aCustomFunctionIsRepeatedAfterATimeoutOnlyWhenDeclaredIdempotent() async throws {
        let plain = GuardFixture([.fail(.timeout), .reply(.ok)], interruptible: true)
        await #expect(throws: ConnectorHostError.self) {
            _ = try await plain.guarded.invokeCustom(CustomFunctionRequest(function: "charge", arguments: []))
        }
        #expect(plain.runtime.invocations == 1)

        let declared = GuardFixture([.fail(.timeout), .reply(.ok)], interruptible: true)
        let call = Task {
            try await declared.guarded.invokeCustom(CustomFunctionRequest(function: "lookup", arguments: []), idempotent: true)
        }
        await declared.clock.waitForSleepers(1)
        if let deadline = declared.clock.nextDeadline { declared.clock.advance(by: deadline - declared.clock.now) }
        #expect(try await call.value == CustomReply(value: .null))
        #expect(declared.runtime.invocations == 2)
    }

    @Test func aTransientAnswerIsRepeatedEvenForACreate() async {
        // The plugin says nothing was done: repeating cannot duplicate.
        let fixture = GuardFixture([.reply(.transient), .reply(.ok)], interruptible: true)
        let call = Task { await fixture.call(nil, .entityCreate) }
        await fixture.clock.waitForSleepers(1)
        if let deadline = fixture.clock.nextDeadline { fixture.clock.advance(by: deadline - fixture.clock.now) }
        #expect(await call.value == .reply(.ok))
        #expect(fixture.runtime.invocations == 2)
    }

    /// A real slow end system in a sandbox worker, counting what reached it.
    @Test func aSlowEndSystemGetsOneCreateAndEveryUpdateAttempt() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: ["slow-writes.so": TestSupport.fixture("slow-writes")])
        var configuration = HostConfiguration(pluginDirectory: directory.path)
        var policy = ResilienceOverrides()
        policy.timeout = .milliseconds(100)
        policy.maxRetries = 2
        policy.retryDelay = .milliseconds(1)
        policy.backoff = ResilienceOverrides.Backoff.none
        configuration.pluginResilience["slow-writes"] = policy
        let host = try await TestSupport.runningHost(configuration: configuration, logger: TestSupport.quietLogger)
        let connector = try host.connector(named: "slow-writes")
        // Started first: on a loaded machine a worker's start outlasts the 0.1 s limit.
        try await connector.warmUp()
        let session = try await connector.openSession([])
        let created = await failure { () async throws(ConnectorHostError) in
            _ = try await connector.call(.entityCreate, request: Array(#"{"fields":{}}"#.utf8), session: session)
        }
        #expect(created?.code == .timeout)
        let updated = await failure { () async throws(ConnectorHostError) in
            _ = try await connector.call(.entityUpdate, request: Array(#"{"entityId":"1"}"#.utf8), session: session)
        }
        #expect(updated?.code == .timeout)
        let counts = try TestSupport.object(await connector.call(.entityList, session: session))
        #expect(counts["creates"] as? Int == 1, "one entity, however slow the end system")
        #expect(counts["updates"] as? Int == 3, "an update is idempotent: 1 + 2 retries")
        await host.shutdown()
    }
}
