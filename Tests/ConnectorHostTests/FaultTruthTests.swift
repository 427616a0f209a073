@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import Testing

/// Faults the resilience layer reports as they happened: a hang is a timeout
/// whose retry does not wait behind it, and crashes of real calls open the
/// breaker however often the host reopened a session in between.
@Suite(.timeLimit(.minutes(2))) struct FaultTruthTests {
    /// A host serving one fixture under `policy` and `sandbox`, with a data directory.
    static func host(
        _ fixture: String, policy: ResilienceOverrides, sandbox configure: (inout SandboxSettings) -> Void = { _ in }
    ) async throws -> ConnectorHost {
        let directory = try TestSupport.temporaryDirectory()
        let plugins = directory.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        try TestSupport.populate(plugins, with: ["\(fixture).so": TestSupport.fixture(fixture)])
        var configuration = HostConfiguration(pluginDirectory: plugins.path)
        configuration.pluginResilience[fixture] = policy
        var sandbox = SandboxSettings()
        sandbox.dataDirectory = directory.appendingPathComponent("data").path
        configure(&sandbox)
        configuration.pluginSandbox[fixture] = sandbox
        let host = try await TestSupport.runningHost(configuration: configuration, logger: TestSupport.quietLogger)
        // The faults are those of a worker that runs: its pid is read before the first call.
        try await host.connector(named: fixture).warmUp()
        return host
    }

    /// The plugin (not thread-safe: one call slot) hangs in its first call. The
    /// call times out after its 10 s limit; its retry goes to a fresh worker
    /// at once, instead of waiting behind the stuck call until the hang grace
    /// (two minutes here) kills the worker. The retry's limit covers the fresh
    /// worker's start, hence a limit no start reaches even with the whole
    /// suite running on two cores (5 s was reached there).
    @Test func aRetryAfterATimeoutGoesToAFreshWorkerNotBehindTheStuckCall() async throws {
        var policy = ResilienceOverrides()
        policy.timeout = .seconds(10)
        policy.maxRetries = 1
        policy.retryDelay = .milliseconds(1)
        policy.backoff = ResilienceOverrides.Backoff.none
        let host = try await Self.host("hostile-hang-once", policy: policy) { $0.hangGrace = .seconds(120) }
        let plugin = try host.connector(named: "hostile-hang-once")
        let stuck = plugin.status.pid
        let started = ContinuousClock.now
        let answer = try TestSupport.object(await plugin.call(.metadataGet, session: nil))
        let took = ContinuousClock.now - started
        #expect(answer["answered"] as? Bool == true)
        #expect(plugin.status.pid != stuck, "the stuck worker was replaced")
        #expect(plugin.status.health == .healthy)
        #expect(plugin.status.lastCrash?.contains("hung in a call past its time limit") == true, "\(plugin.status)")
        #expect(took < .seconds(60), "the retry did not wait for the hang grace (took \(took))")
        await host.shutdown()
    }

    /// Without a retry the caller is told `timeout`, and the worker is left to
    /// its hang grace: nothing is replaced for a call that is not repeated.
    @Test func aHangIsReportedAsATimeoutAfterItsLimit() async throws {
        var policy = ResilienceOverrides()
        policy.timeout = .milliseconds(100)
        policy.maxRetries = 0
        let host = try await Self.host("hostile-hang-once", policy: policy) { $0.hangGrace = .seconds(60) }
        let plugin = try host.connector(named: "hostile-hang-once")
        let worker = plugin.status.pid
        let error = await failure { () async throws(ConnectorHostError) in
            _ = try await plugin.call(.metadataGet, session: nil)
        }
        #expect(error?.code == .timeout, "\(String(describing: error))")
        #expect(plugin.status.pid == worker)
        // The hung worker would hold shutdown for its grace: an operator restart ends it.
        try await plugin.restart()
        await host.shutdown()
    }

    /// Every real call crashes its worker; between crashes the host reopens
    /// the caller's session on the fresh worker, successfully. Those reopens
    /// are the host's own calls: the fifth crash still opens the breaker.
    @Test func fiveCrashesOfRealCallsOpenTheBreakerDespiteSessionReopens() async throws {
        var policy = ResilienceOverrides()
        policy.maxRetries = 0
        policy.breakerThreshold = 5
        let host = try await Self.host("hostile-segfault", policy: policy) { sandbox in
            sandbox.restartDelay = .milliseconds(1)
            sandbox.quarantineThreshold = 100
        }
        let plugin = try host.connector(named: "hostile-segfault")
        for attempt in 1...5 {
            let error = await failure { () async throws(ConnectorHostError) in
                _ = try await plugin.call(.entityGet, request: Array("{}".utf8), credentials: [])
            }
            #expect(error?.code == .pluginCrashed, "call \(attempt): \(String(describing: error))")
        }
        guard case .open = plugin.breaker.state else {
            Issue.record("the breaker is \(plugin.breaker.state) after 5 crashes")
            await host.shutdown()
            return
        }
        let refused = await failure { () async throws(ConnectorHostError) in
            _ = try await plugin.call(.entityGet, request: Array("{}".utf8), credentials: [])
        }
        #expect(refused?.code == .circuitOpen)
        await host.shutdown()
    }

    /// The host's own successful call neither resets the count nor closes a
    /// half-open breaker; it hands the probe on to the next call.
    @Test func theHostsOwnCallsNeitherResetNorCloseTheBreaker() throws {
        let clock = ManualClock()
        let breaker = CircuitBreaker(threshold: 2, recovery: .seconds(10), probeTimeout: .seconds(1), clock: clock)
        breaker.record(try breaker.admit(), success: false)
        breaker.recordHostCall(try breaker.admit(), success: true, at: clock.now)
        breaker.record(try breaker.admit(), success: false)
        guard case .open = breaker.state else {
            Issue.record("two failures around a host call leave the breaker \(breaker.state)")
            return
        }
        clock.advance(by: .seconds(10))
        let probe = try breaker.admit()
        #expect(probe.isProbe)
        breaker.recordHostCall(probe, success: true, at: clock.now)
        let next = try breaker.admit()
        #expect(next.isProbe, "the next call is the probe")
        breaker.record(next, success: true)
        #expect(breaker.state == .closed(consecutiveFailures: 0))
    }
}

/// A plugin thread that keeps running after its call returned is seen by the
/// CPU its worker uses with no call in flight, read on the host's clock.
@Suite(.timeLimit(.minutes(2))) struct IdleSpinTests {
    @Test func aWorkerSpinningWithNoCallInFlightIsReportedDegradedAndRecycled() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: [
            "hostile-spin-after-return.so": TestSupport.fixture("hostile-spin-after-return")
        ])
        let clock = ManualClock()
        var configuration = HostConfiguration(pluginDirectory: directory.path)
        configuration.clock = clock
        var sandbox = SandboxSettings()
        sandbox.idleCPUInterval = .seconds(1)
        sandbox.idleCPULimit = .milliseconds(20)
        configuration.pluginSandbox["hostile-spin-after-return"] = sandbox
        // Ticks of the clock add up to minutes: no idle stop may take the worker watched.
        configuration.warmPlugins = ["hostile-spin-after-return"]
        let host = try await TestSupport.runningHost(configuration: configuration, logger: TestSupport.quietLogger)
        let plugin = try host.connector(named: "hostile-spin-after-return")
        try await plugin.warmUp()
        let spinning = try #require(plugin.status.pid)
        let session = try await plugin.openSession([])
        let answer = try TestSupport.object(await plugin.call(.entityGet, request: Array("{}".utf8), session: session))
        #expect(answer["spinning"] as? Bool == true)
        #expect(plugin.status.health == .healthy, "the call itself returned")

        // Each tick of the host's clock is one interval; between ticks the
        // thread burns real CPU, over the limit. Bounded: a few seconds at most.
        var status = plugin.status
        for _ in 0..<100 where status.health != .degraded {
            let before = ProcessCPUTime.ofTree(spinning) ?? .zero
            for _ in 0..<400 where (ProcessCPUTime.ofTree(spinning) ?? .seconds(1000)) - before < .milliseconds(40) {
                try await Task.sleep(for: .milliseconds(5))
            }
            clock.advance(by: .seconds(1))
            try await Task.sleep(for: .milliseconds(5))
            status = plugin.status
        }
        #expect(status.health == .degraded, "\(status)")
        #expect(status.reason?.contains("with no call in flight") == true, "\(status.reason ?? "no reason")")
        // Recycled: a new worker serves, and the spinning one is gone.
        for _ in 0..<400 where plugin.status.pid == spinning || plugin.status.pid == nil {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(plugin.status.pid != spinning)
        #expect(ProcessCPUTime.ofTree(spinning) == nil, "the spinning worker was killed")
        #expect(plugin.status.restarts == 1)

        // Its successor is quiet: after two quiet readings the plugin is healthy again.
        for _ in 0..<400 where plugin.status.health != .healthy {
            clock.advance(by: .seconds(1))
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(plugin.status.health == .healthy, "\(plugin.status)")
        await host.shutdown()
    }
}
