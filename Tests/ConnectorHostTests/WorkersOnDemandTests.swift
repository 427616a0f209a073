@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import SharedTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Sandbox workers start on a plugin's first call and stop after its idle
/// period, in real workers; idle time passes on a ``ManualClock``.
@Suite(.timeLimit(.minutes(3))) struct WorkersOnDemandTests {
    /// The idle period of the tests' workers.
    static let idleTimeout: Duration = .seconds(60)

    struct Rig {
        let host: ConnectorHost
        let clock: ManualClock
        let log: CapturedLog

        /// A host on a directory of its own holding `plugins` (fixture names),
        /// each with no retries and a time limit no test reaches by accident.
        static func make(
            _ plugins: [String] = ["alpha"], configure: (inout HostConfiguration) -> Void = { _ in }
        ) async throws -> Rig {
            let directory = try TestSupport.temporaryDirectory()
            try TestSupport.populate(directory, with: Dictionary(uniqueKeysWithValues: plugins.map {
                ("\($0).so", TestSupport.fixture($0))
            }))
            let clock = ManualClock()
            var configuration = TestSupport.configuration(pluginDirectory: directory.path)
            configuration.clock = clock
            configuration.sandbox.idleTimeout = idleTimeout
            // Its periodic reading would only add sleepers to the clock.
            configuration.sandbox.idleCPULimit = nil
            var patient = ResilienceOverrides()
            patient.maxRetries = 0
            patient.timeout = .seconds(3600)
            configuration.resilience = patient
            configure(&configuration)
            let log = CapturedLog()
            let host = try await TestSupport.runningHost(configuration: configuration, logger: log.logger(level: .info))
            return Rig(host: host, clock: clock, log: log)
        }

        /// Waits (bounded, in real time) until `condition` holds.
        func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
            guard await eventually(condition) else { throw TestFailure("never: \(what)") }
        }
    }

    static func isGone(_ pid: Int32) -> Bool {
        kill(pid, 0) == -1 && errno == ESRCH
    }

    @Test func startRegistersPluginsIdleAndTheFirstCallStartsTheWorker() async throws {
        let rig = try await Rig.make(["alpha", "beta"])
        for status in rig.host.statuses {
            #expect(status.health == .idle, "\(status.name) is registered idle")
            #expect(status.pid == nil, "\(status.name) has no worker")
        }
        #expect(rig.log.workersStarted.isEmpty)

        let alpha = try rig.host.connector(named: "alpha")
        let answer = try TestSupport.object(await alpha.call(.metadataGet, session: nil))
        #expect(answer["operation"] as? String == "metadata.get")
        let pid = try #require(alpha.status.pid)
        #expect(alpha.status.health == .healthy)
        #expect(kill(pid, 0) == 0, "the worker runs")
        #expect(rig.log.workersStarted == ["\(pid)"])
        #expect(try rig.host.connector(named: "beta").status.health == .idle, "a call to one plugin starts no other")
        await rig.host.shutdown()
    }

    @Test func concurrentFirstCallsStartOneWorker() async throws {
        let rig = try await Rig.make()
        let alpha = try rig.host.connector(named: "alpha")
        let answered = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    let answer = try TestSupport.object(await alpha.call(.serverInfo, credentials: []))
                    return answer["operation"] as? String == "server.info"
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(answered == 12)
        let pid = try #require(alpha.status.pid)
        #expect(rig.log.workersStarted == ["\(pid)"], "one worker for every first call")
        #expect(alpha.status.restarts == 0)
        await rig.host.shutdown()
    }

    @Test func anIdleWorkerStopsAndTheNextCallStartsAnother() async throws {
        let rig = try await Rig.make()
        let alpha = try rig.host.connector(named: "alpha")
        let sessions = try #require(rig.host.plugin(named: "alpha")?.sessions)
        // Pooled sessions live in the worker: they must not outlive it.
        let (one, other) = ([SessionSetting(key: "user", value: "one")], [SessionSetting(key: "user", value: "other")])
        _ = try await alpha.call(.serverInfo, credentials: one)
        _ = try await alpha.call(.serverInfo, credentials: other)
        #expect(await sessions.remove(for: one) != nil, "the pool holds the sessions opened")
        let first = try #require(alpha.status.pid)

        rig.clock.advance(by: Self.idleTimeout - .seconds(1))
        #expect(alpha.status.pid == first, "not idle yet")
        rig.clock.advance(by: .seconds(1))
        try await rig.waitUntil("alpha is idle") { alpha.status.health == .idle }
        #expect(alpha.status.pid == nil)
        #expect(await sessions.remove(for: other) == nil, "the stopped worker's sessions were dropped")
        try await rig.waitUntil("worker \(first) has exited") { Self.isGone(first) }

        let answer = try TestSupport.object(await alpha.call(.serverInfo, credentials: other))
        #expect(answer["sessionVersion"] as? String == "1.0.0", "answered in a session the new worker opened")
        let second = try #require(alpha.status.pid)
        #expect(second != first)
        #expect(rig.log.workersStarted == ["\(first)", "\(second)"])
        #expect(alpha.status.restarts == 0, "an idle stop is no crash")
        await rig.host.shutdown()
    }

    @Test func aCallInFlightHoldsOffTheIdleStop() async throws {
        let rig = try await Rig.make(["slow-writes"])
        let plugin = try rig.host.connector(named: "slow-writes")
        let runtime = try #require(rig.host.plugin(named: "slow-writes")?.guarded.runtime as? SandboxRuntime)
        // entity.create answers only once the host gives up on it: at its time limit.
        let session = try await plugin.openSession([])
        let write = Task {
            await hostError { () async throws(ConnectorHostError) in
                try await plugin.call(.entityCreate, request: Array(#"{"entityTypeId":"t"}"#.utf8), session: session)
            }
        }
        try await rig.waitUntil("the write is in flight") { runtime.callsInFlight == 1 }
        let pid = try #require(plugin.status.pid)

        let checked = rig.clock.now + Self.idleTimeout
        rig.clock.advance(by: Self.idleTimeout)
        // The idle watch woke, found the call, and waits a whole period again.
        try await rig.waitUntil("the idle watch waits again") { rig.clock.nextDeadline == checked + Self.idleTimeout }
        #expect(plugin.status.pid == pid)
        #expect(kill(pid, 0) == 0, "the worker serving the call runs")
        #expect(runtime.callsInFlight == 1)

        // The call's time limit ends it; the idle period counts from then.
        rig.clock.advance(by: .seconds(3600))
        let error = await write.value
        #expect(error?.code == .timeout)
        #expect(plugin.status.pid == pid, "no idle stop the moment the call ended")
        rig.clock.advance(by: Self.idleTimeout)
        try await rig.waitUntil("slow-writes is idle") { plugin.status.health == .idle }
        try await rig.waitUntil("worker \(pid) has exited") { Self.isGone(pid) }
        await rig.host.shutdown()
    }

    /// A host whose one plugin, alpha as the scan cache describes it, is a
    /// file whose worker never finishes loading (its constructor spins).
    static func slowStartingHost(clock: ManualClock, policy: ResilienceOverrides) async throws -> (ConnectorHost, Connector) {
        let directory = try TestSupport.temporaryDirectory()
        let path = directory.appendingPathComponent("slow-start.so").path
        try FileManager.default.copyItem(atPath: TestSupport.fixture("hostile-constructor-spin"), toPath: path)
        let alpha = try await ConnectorHost.inspect(
            pluginAt: TestSupport.fixture("alpha"), sandbox: TestSupport.sandbox, logger: TestSupport.quietLogger
        )
        let cache = InMemoryScanCache()
        await cache.store(.accepted(alpha), for: try ScanKey(path: path))
        var configuration = TestSupport.configuration(pluginDirectory: directory.path)
        configuration.clock = clock
        configuration.scanCache = cache
        configuration.sandbox.idleCPULimit = nil
        configuration.resilience = policy
        let host = try await TestSupport.runningHost(configuration: configuration, logger: TestSupport.quietLogger)
        return (host, try host.connector(named: "alpha"))
    }

    /// A worker that never finishes loading (its constructor spins), served
    /// under a description the scan cache holds for the file: a call waits for
    /// the start only within its own time limit; the start goes on, bounded by
    /// the load timeout.
    @Test func aCallWaitsForTheStartOnlyWithinItsTimeLimit() async throws {
        let clock = ManualClock()
        var policy = ResilienceOverrides()
        policy.timeout = .seconds(1)
        policy.maxRetries = 0
        let (host, plugin) = try await Self.slowStartingHost(clock: clock, policy: policy)

        let call = Task { await hostError { () async throws(ConnectorHostError) in try await plugin.call(.metadataGet, session: nil) } }
        // The call's wait, due at its time limit, is the first of the clock's sleepers (the load's is at 30 s).
        #expect(await clock.waitForSleepers { $0.min() == .seconds(1) })
        #expect(plugin.status.health == .starting)
        clock.advance(by: .seconds(1))
        let error = await call.value
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("did not start within the call's time limit (1 s)") == true, "\(String(describing: error))")
        #expect(plugin.status.health == .starting, "the start goes on")

        // The load timeout ends the start: a failed start, counted as a crash.
        clock.advance(by: .seconds(30))
        #expect(await eventually { plugin.status.restarts == 1 })
        #expect(plugin.status.lastCrash?.contains("did not finish loading within 30 s") == true, "\(plugin.status)")
        await host.shutdown()
    }

    /// An attempt that times out waiting for the worker's start never reached
    /// the plugin: the guard repeats it even for an operation that is not
    /// idempotent, and the breaker (opened by one failure here) counts none.
    @Test func anAttemptThatOutlastsTheStartIsRetriedWhateverTheOperationAndNotCounted() async throws {
        let clock = ManualClock()
        var policy = ResilienceOverrides()
        policy.timeout = .seconds(1)
        policy.maxRetries = 1
        policy.retryDelay = .seconds(1)
        policy.backoff = .linear
        policy.jitter = false
        policy.breakerThreshold = 1
        let (host, plugin) = try await Self.slowStartingHost(clock: clock, policy: policy)

        let call = Task {
            await hostError { () async throws(ConnectorHostError) in
                try await plugin.call(.entityCreate, request: Array("{}".utf8), session: nil)
            }
        }
        // First attempt's limit at 1 s, the retry's wait until 2 s, its limit
        // at 3 s; the load's timeout (30 s) comes after them all.
        for deadline in [1, 2, 3] {
            #expect(await clock.waitForSleepers { $0.min() == .seconds(deadline) })
            clock.advance(by: .seconds(1))
        }
        let error = await call.value
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("did not start within the call's time limit (1 s)") == true, "\(String(describing: error))")
        #expect(error?.message.contains("gave up after 2 attempts") == true, "\(String(describing: error))")
        #expect(plugin.status.breakerState == .closed, "neither attempt reached the plugin")
        #expect(plugin.status.health == .starting, "the start goes on")
        await host.shutdown()
    }

    @Test func aWarmPluginStartsWithTheHostAndNeverIdles() async throws {
        let rig = try await Rig.make(["alpha", "beta"]) { $0.warmPlugins = ["alpha"] }
        let alpha = try rig.host.connector(named: "alpha")
        try await rig.waitUntil("alpha's worker started") { rig.log.workersStarted.count == 1 }
        let pid = try #require(alpha.status.pid)
        #expect(try rig.host.connector(named: "beta").status.health == .idle)
        rig.clock.advance(by: Self.idleTimeout * 10)
        #expect(alpha.status.pid == pid)
        _ = try await alpha.call(.metadataGet, session: nil)
        #expect(rig.log.workersStarted == ["\(pid)"])
        await rig.host.shutdown()
    }

    @Test func warmingUpAnIdlePluginStartsItsWorkerUntilItIdlesAgain() async throws {
        let rig = try await Rig.make()
        let alpha = try rig.host.connector(named: "alpha")
        try await alpha.warmUp()
        let pid = try #require(alpha.status.pid)
        #expect(alpha.status.health == .healthy)
        try await alpha.warmUp()
        #expect(rig.log.workersStarted == ["\(pid)"], "warming up a running plugin starts nothing")
        rig.clock.advance(by: Self.idleTimeout)
        try await rig.waitUntil("alpha is idle") { alpha.status.health == .idle }
        await rig.host.shutdown()
    }

    @Test func aCrashOfAWorkerStartedOnDemandRestartsItAsBefore() async throws {
        let rig = try await Rig.make(["hostile-segfault"])
        let plugin = try rig.host.connector(named: "hostile-segfault")
        let error = await hostError { () async throws(ConnectorHostError) in
            try await plugin.call(.entityGet, request: Array(#"{"entityId":"1"}"#.utf8), credentials: [])
        }
        #expect(error?.code == .pluginCrashed)
        try await rig.waitUntil("the crash is counted") { plugin.status.restarts == 1 }
        #expect(plugin.status.health == .restarting)
        // The restart delay passes: the worker is back before any call asks for it.
        rig.clock.advance(by: .seconds(1))
        try await rig.waitUntil("a second worker started") { rig.log.workersStarted.count == 2 }
        #expect(plugin.status.pid.map { "\($0)" } == rig.log.workersStarted.last)
        await rig.host.shutdown()
    }
}

extension CapturedLog {
    /// The process IDs of the workers started, in order, from the line each start logs.
    var workersStarted: [String] {
        lines.filter { $0.message == "sandbox worker running" }.compactMap { $0.metadata["pid"] }
    }
}
