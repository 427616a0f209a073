@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import SharedTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Hostile plugins in real sandbox workers: the host survives, reports what
/// happened, keeps the other plugins answering and brings the worker back.
@Suite(.timeLimit(.minutes(5))) struct SandboxTests {
    struct Fixture {
        let host: ConnectorHost
        let clock: ManualClock
        let directory: URL

        /// A host on a directory holding one hostile fixture and the tracker.
        static func make(
            _ hostile: String, configure: (inout HostConfiguration) -> Void = { _ in }
        ) async throws -> Fixture {
            let directory = try TestSupport.temporaryDirectory()
            try TestSupport.populate(directory, with: [
                "\(hostile).so": TestSupport.fixture(hostile), "tracker.so": TestSupport.plugin("tracker"),
            ])
            let clock = ManualClock()
            var configuration = TestSupport.configuration(pluginDirectory: directory.path)
            configuration.clock = clock
            var noRetries = ResilienceOverrides()
            noRetries.maxRetries = 0
            noRetries.timeout = .seconds(2)
            configuration.pluginResilience[hostile] = noRetries
            // Faults of running workers: both run from the start, and time
            // moved on the clock never stops them for want of calls.
            configuration.warmPlugins = [hostile, "tracker"]
            configure(&configuration)
            let host = try await TestSupport.runningHost(configuration: configuration, logger: TestSupport.quietLogger)
            for name in host.connectorNames { try await host.connector(named: name).warmUp() }
            return Fixture(host: host, clock: clock, directory: directory)
        }

        /// The tracker still answers, in a session of its own.
        func trackerAnswers() async throws -> Bool {
            let tracker = try host.connector(named: "tracker")
            let session = try await tracker.openSession([
                SessionSetting(key: "database", value: directory.appendingPathComponent("t.sqlite").path),
            ])
            let info = try TestSupport.object(await tracker.call(.serverInfo, session: session))
            try await tracker.closeSession(session)
            return info["maxResults"] as? Int == 50
        }

        /// Waits (bounded) until the plugin's health is `health`.
        func waitFor(_ name: String, _ health: PluginStatus.Health) async throws -> PluginStatus {
            let connector = try host.connector(named: name)
            guard await eventually({ connector.status.health == health }) else {
                throw TestFailure("\(name) never became \(health); it is \(connector.status)")
            }
            return connector.status
        }

        func shutDownAndCheckNoWorkerIsLeft() async {
            let pids = host.statuses.compactMap(\.pid)
            await host.shutdown()
            for pid in pids {
                #expect(kill(pid, 0) == -1 && errno == ESRCH, "worker \(pid) is gone")
            }
        }
    }

    @Test(arguments: [
        ("hostile-segfault", "was killed by signal 11 (SIGSEGV)"),
        ("hostile-abort", "was killed by signal 6 (SIGABRT)"),
        ("hostile-exit", "exited with status 3"),
    ])
    func aCrashFailsTheCallAndTheWorkerComesBack(hostile: String, what: String) async throws {
        let fixture = try await Fixture.make(hostile)
        let plugin = try fixture.host.connector(named: hostile)
        let firstPid = try #require(plugin.status.pid)
        let session = try await plugin.openSession([])
        let error = await #expect(throws: ConnectorHostError.self) {
            _ = try await plugin.call(.entityGet, request: Array(#"{"entityId":"1"}"#.utf8), session: session)
        }
        #expect(error?.code == .pluginCrashed)
        #expect(error?.message.contains("the plugin's sandbox worker (pid \(firstPid)) \(what)") == true,
                "\(error?.message ?? "")")
        #expect(try await fixture.trackerAnswers(), "other plugins keep answering")

        let restarting = try await fixture.waitFor(hostile, .restarting)
        #expect(restarting.secondsToRestart == 0.1)
        #expect(restarting.lastCrash?.contains(what) == true)
        fixture.clock.advance(by: .milliseconds(100))
        let back = try await fixture.waitFor(hostile, .healthy)
        #expect(back.pid != firstPid)
        #expect(back.restarts == 1)
        _ = try await plugin.call(.metadataGet, session: nil)
        await fixture.shutDownAndCheckNoWorkerIsLeft()
    }

    /// A descriptor number is reused by the next socket: a goodbye or cancel sent
    /// to a worker that has already ended must go nowhere, never to the worker
    /// that took its place (which would read it before its hello and exit).
    @Test func framesForAnEndedWorkerNeverReachItsSuccessor() async throws {
        let clock = SystemClock()
        for _ in 0..<20 {
            let ended = try await SandboxLoader.load(
                pluginPath: TestSupport.fixture("custom"), policy: ResiliencePolicy(), settings: TestSupport.sandbox,
                clock: clock, logger: TestSupport.quietLogger
            ).worker
            ended.kill()
            _ = await ended.exit()
            let successor = try await SandboxLoader.load(
                pluginPath: TestSupport.fixture("custom"), policy: ResiliencePolicy(), settings: TestSupport.sandbox,
                clock: clock, logger: TestSupport.quietLogger
            ).worker
            ended.shutdown()
            ended.cancelAllCalls()
            #expect(try await successor.callCustom(
                SandboxProtocol.CustomCall(CustomFunctionRequest(function: "echo_string", arguments: [.string("still here")]), timeLimit: 0),
                timeLimit: .seconds(10), pluginName: "custom"
            ).value == .string("still here"))
            await successor.stop(within: .seconds(10))
        }
    }

    @Test func everyCallInFlightFailsWhenTheWorkerDies() async throws {
        let fixture = try await Fixture.make("hostile-sleep") { $0.pluginResilience["hostile-sleep"]?.timeout = .seconds(600) }
        let plugin = try fixture.host.connector(named: "hostile-sleep")
        let pid = try #require(plugin.status.pid)
        let session = try await plugin.openSession([])
        let calls = (0..<3).map { _ in
            Task { await failure { () async throws(ConnectorHostError) in _ = try await plugin.call(.entityGet, request: [], session: session) } }
        }
        let runtime = try #require(fixture.host.plugin(named: "hostile-sleep")?.guarded.runtime as? SandboxRuntime)
        #expect(await eventually { runtime.callsInFlight >= 3 })
        kill(pid, SIGKILL)
        for call in calls {
            let error = await call.value
            #expect(error?.code == .pluginCrashed)
            #expect(error?.message.contains("was killed by signal 9 (SIGKILL)") == true)
        }
        await fixture.shutDownAndCheckNoWorkerIsLeft()
    }

    /// A worker runs a call on the thread that read it; one that never returns
    /// must not keep the calls behind it from being read and answered.
    @Test func callsBehindHungOnesInTheSameWorkerAreAnswered() async throws {
        let fixture = try await Fixture.make("hostile-sleep") { $0.pluginResilience["hostile-sleep"]?.timeout = .seconds(600) }
        let plugin = try fixture.host.connector(named: "hostile-sleep")
        let session = try await plugin.openSession([])
        let hung = (0..<2).map { _ in
            Task { await failure { () async throws(ConnectorHostError) in _ = try await plugin.call(.entityGet, request: [], session: session) } }
        }
        let runtime = try #require(fixture.host.plugin(named: "hostile-sleep")?.guarded.runtime as? SandboxRuntime)
        #expect(await eventually { runtime.callsInFlight >= 2 })
        for _ in 0..<3 {
            let answer = try await plugin.call(.serverInfo, session: session)
            #expect(try TestSupport.object(answer)["operation"] as? String == "server.info")
        }
        #expect(runtime.callsInFlight == 2, "the hung calls are still running")
        kill(try #require(plugin.status.pid), SIGKILL)
        for call in hung { #expect(await call.value?.code == .pluginCrashed) }
        await fixture.shutDownAndCheckNoWorkerIsLeft()
    }

    @Test func repeatedCrashesQuarantineUntilAnOperatorRestarts() async throws {
        let fixture = try await Fixture.make("hostile-abort") { $0.sandbox.quarantineThreshold = 3 }
        let plugin = try fixture.host.connector(named: "hostile-abort")
        for crash in 1...3 {
            let session = try await plugin.openSession([])
            _ = try? await plugin.call(.entityGet, request: [], session: session)
            if crash < 3 {
                let restarting = try await fixture.waitFor("hostile-abort", .restarting)
                let delay = try #require(restarting.secondsToRestart)
                #expect(delay == 0.1 * Double(1 << (crash - 1)), "the delay doubles")
                fixture.clock.advance(by: .milliseconds(Int64(delay * 1000)))
                _ = try await fixture.waitFor("hostile-abort", .healthy)
            }
        }
        let quarantined = try await fixture.waitFor("hostile-abort", .quarantined)
        #expect(quarantined.reason?.hasPrefix("it crashed 3 times within 60 s; last: the worker") == true)
        #expect(quarantined.pid == nil)
        let refused = await #expect(throws: ConnectorHostError.self) {
            _ = try await plugin.call(.metadataGet, session: nil)
        }
        #expect(refused?.code == .unavailable)
        #expect(refused?.message.contains("is quarantined") == true)
        #expect(try await fixture.trackerAnswers())

        try await plugin.restart()
        #expect(plugin.status.health == .healthy)
        _ = try await plugin.call(.metadataGet, session: nil)
        await fixture.shutDownAndCheckNoWorkerIsLeft()
    }

    @Test func aNewBuildOfTheFileLiftsTheQuarantine() async throws {
        let fixture = try await Fixture.make("hostile-exit") { $0.sandbox.quarantineThreshold = 1 }
        let plugin = try fixture.host.connector(named: "hostile-exit")
        let session = try await plugin.openSession([])
        _ = try? await plugin.call(.entityGet, request: [], session: session)
        _ = try await fixture.waitFor("hostile-exit", .quarantined)
        await #expect(throws: ConnectorHostError.self) { _ = try await plugin.call(.metadataGet, session: nil) }

        // The same plugin, rebuilt: the file's size or time changes.
        let path = fixture.directory.appendingPathComponent("hostile-exit.so").path
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 5)], ofItemAtPath: path)
        _ = try await plugin.call(.metadataGet, session: nil)
        #expect(plugin.status.health == .healthy)
        await fixture.shutDownAndCheckNoWorkerIsLeft()
    }

    @Test(arguments: ["hostile-spin", "hostile-sleep"])
    func aHungCallTimesOutAndTheHungWorkerIsReplaced(hostile: String) async throws {
        let fixture = try await Fixture.make(hostile)
        let plugin = try fixture.host.connector(named: hostile)
        let pid = try #require(plugin.status.pid)
        let session = try await plugin.openSession([])
        let call = Task { await failure { () async throws(ConnectorHostError) in _ = try await plugin.call(.entityGet, request: [], session: session) } }
        let runtime = try #require(fixture.host.plugin(named: hostile)?.guarded.runtime as? SandboxRuntime)
        #expect(await eventually { runtime.callsInFlight >= 1 })
        fixture.clock.advance(by: .seconds(2))
        let error = await call.value
        #expect(error?.code == .timeout)
        #expect(error?.message == "\(hostile) entity.get did not answer within 2 s")
        #expect(try await fixture.trackerAnswers())

        // Unanswered past the grace period: killed and restarted.
        fixture.clock.advance(by: .seconds(5))
        let restarting = try await fixture.waitFor(hostile, .restarting)
        #expect(restarting.lastCrash == "the worker (pid \(pid)) was killed by signal 9 (SIGKILL)")
        fixture.clock.advance(by: .milliseconds(100))
        _ = try await fixture.waitFor(hostile, .healthy)
        _ = try await plugin.call(.metadataGet, session: nil)
        await fixture.shutDownAndCheckNoWorkerIsLeft()
    }

    @Test func floodingStdoutDoesNotHurtTheHost() async throws {
        let fixture = try await Fixture.make("hostile-stdout")
        let plugin = try fixture.host.connector(named: "hostile-stdout")
        let session = try await plugin.openSession([])
        let reply = try TestSupport.object(await plugin.call(.entityGet, request: [], session: session))
        #expect(reply["operation"] as? String == "entity.get", "the 10 MB on stdout were never read as the protocol")
        #expect(try await fixture.trackerAnswers())
        await fixture.shutDownAndCheckNoWorkerIsLeft()
    }

    @Test func aResponseOverTheFrameLimitFailsThatCallOnly() async throws {
        let fixture = try await Fixture.make("hostile-big") { $0.sandbox.frameLimit = 1 << 20 }
        let plugin = try fixture.host.connector(named: "hostile-big")
        let pid = plugin.status.pid
        let session = try await plugin.openSession([])
        let error = await #expect(throws: ConnectorHostError.self) {
            _ = try await plugin.call(.entityGet, request: [], session: session)
        }
        #expect(error?.code == .pluginError)
        #expect(error?.message.contains("hostile-big entity.get answered with a 2097152-byte response, over the sandbox frame limit of 1048576 bytes") == true,
                "\(error?.message ?? "")")
        _ = try await plugin.call(.serverInfo, session: session)
        #expect(plugin.status.pid == pid, "the worker kept running")
        await fixture.shutDownAndCheckNoWorkerIsLeft()
    }

    @Test(arguments: [
        ("hostile-entry-crash", "crashed while loading: the plugin's sandbox worker", "was killed by signal 11 (SIGSEGV)"),
        ("hostile-constructor-crash", "crashed while loading: the plugin's sandbox worker", "was killed by signal 11 (SIGSEGV)"),
        ("hostile-entry-exit", "crashed while loading: the plugin's sandbox worker", "exited with status 7"),
    ])
    func loadingFailuresAreRejectedNotFatal(hostile: String, what: String, how: String) async throws {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: [
            "\(hostile).so": TestSupport.fixture(hostile), "tracker.so": TestSupport.plugin("tracker"),
        ])
        let report = try await ConnectorHost.discover(directory: directory.path, logger: TestSupport.quietLogger)
        #expect(report.plugins.map(\.description.manifest.name) == ["tracker"])
        let rejected = try #require(report.rejected.first)
        #expect(rejected.error.code == .pluginCrashed)
        #expect(rejected.error.message.contains(what) && rejected.error.message.contains(how), "\(rejected.error.message)")
    }

    @Test func aPluginSpinningWhileLoadingIsRejectedWhenTheLoadTimeIsUp() async throws {
        let clock = ManualClock()
        let scanner = IsolatedScanner(
            settings: SandboxSettings(), clock: clock, cache: InMemoryScanCache(), logger: TestSupport.quietLogger
        )
        let path = TestSupport.fixture("hostile-constructor-spin")
        let scan = Task { await failure { () async throws(ConnectorHostError) in _ = try await scanner.scan(path) } }
        // The load time limit (a scanning worker takes no call: it runs no
        // deadline loop), which a start slowed by a busy machine may set late:
        // time moves only once it waits.
        #expect(await clock.waitForSleepers(1), "the load time limit never began")
        clock.advance(by: .seconds(30))
        let error = await scan.value
        #expect(error?.code == .timeout)
        #expect(error?.message == "\(path): did not finish loading within 30 s (a constructor or the entry point does not return)")
    }

    @Test func anUnchangedFileIsScannedOnceAChangedOneAgain() async throws {
        let cache = CountingScanCache()
        let scanner = IsolatedScanner(
            settings: SandboxSettings(), clock: SystemClock(), cache: cache, logger: TestSupport.quietLogger
        )
        let directory = try TestSupport.temporaryDirectory()
        let path = directory.appendingPathComponent("bad.so").path
        try FileManager.default.copyItem(atPath: TestSupport.fixture("hostile-entry-crash"), toPath: path)
        for _ in 0..<3 {
            await #expect(throws: ConnectorHostError.self) { _ = try await scanner.scan(path) }
        }
        #expect(cache.stores == 1, "the crash was cached; the file ran once")
        #expect(cache.hits == 2)

        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: TestSupport.fixture("alpha"), toPath: path)
        #expect(try await scanner.scan(path).manifest.name == "alpha")
        #expect(cache.stores == 2, "a changed file is scanned again")
    }
}

/// Counts what the scanner asks of its cache.
final class CountingScanCache: ScanCache {
    private let inner = InMemoryScanCache()
    private let counts = Mutex((hits: 0, stores: 0))

    var hits: Int { counts.withLock { $0.hits } }
    var stores: Int { counts.withLock { $0.stores } }

    func outcome(for key: ScanKey) async -> ScanOutcome? {
        let outcome = await inner.outcome(for: key)
        if outcome != nil { counts.withLock { $0.hits += 1 } }
        return outcome
    }

    func store(_ outcome: ScanOutcome, for key: ScanKey) async {
        counts.withLock { $0.stores += 1 }
        await inner.store(outcome, for: key)
    }
}
