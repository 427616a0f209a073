@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import SharedTestSupport
import Testing

/// Shutdown is bounded: running calls are told to cancel, no new call or retry
/// starts, and what still runs at the deadline fails with a clear error.
@Suite(.timeLimit(.minutes(2))) struct ShutdownTests {
    static func host(_ fixture: String, timeout: Duration = .seconds(600)) async throws -> ConnectorHost {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: ["\(fixture).so": TestSupport.fixture(fixture)])
        var configuration = HostConfiguration(pluginDirectory: directory.path)
        var policy = ResilienceOverrides()
        policy.timeout = timeout
        policy.maxRetries = 3
        configuration.pluginResilience[fixture] = policy
        return try await TestSupport.runningHost(configuration: configuration, logger: TestSupport.quietLogger)
    }

    /// Waits (bounded) until the plugin runs `count` calls.
    static func waitForRunning(_ host: ConnectorHost, _ name: String, _ count: Int) async throws {
        guard await eventually({ host.plugin(named: name)?.callsRunning == count }) else {
            throw TestFailure("\(name) never ran \(count) call(s)")
        }
    }

    @Test func runningCallsAreToldToCancelAndMayStillAnswer() async throws {
        let host = try await Self.host("slow-writes")
        let connector = try host.connector(named: "slow-writes")
        let session = try await connector.openSession([])
        let update = Task {
            await failure { () async throws(ConnectorHostError) in
                _ = try await connector.call(.entityUpdate, request: Array(#"{"entityId":"1"}"#.utf8), session: session)
            }
        }
        try await Self.waitForRunning(host, "slow-writes", 1)
        // The plugin waits for is_cancelled: only the shutdown can end its call before 600 s.
        await host.stopCalls(within: .seconds(60))
        let error = await update.value
        #expect(error?.code == .pluginError, "the plugin answered transient once cancelled: \(String(describing: error))")
        #expect(error?.message.contains("not retried: the host is shutting down") == true, "\(String(describing: error))")
        let refused = await failure { () async throws(ConnectorHostError) in
            _ = try await connector.call(.serverInfo, session: session)
        }
        #expect(refused?.code == .unavailable)
        #expect(refused?.message.contains("the host is shutting down") == true)
        await host.shutdown()
    }

    @Test func callsStillRunningAtTheDeadlineFailClearly() async throws {
        let host = try await Self.host("hostile-sleep")
        let connector = try host.connector(named: "hostile-sleep")
        let session = try await connector.openSession([])
        let stuck = Task {
            await failure { () async throws(ConnectorHostError) in
                _ = try await connector.call(.entityGet, request: Array(#"{"entityId":"1"}"#.utf8), session: session)
            }
        }
        try await Self.waitForRunning(host, "hostile-sleep", 1)
        await host.stopCalls(within: .milliseconds(200))
        let error = await stuck.value
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("the host shut down before the call finished") == true, "\(String(describing: error))")
        await host.shutdown()
        #expect(host.statuses.isEmpty)
    }

    @Test func aReloadCutShortByShutdownIsNotABadBuild() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: ["reload.so": TestSupport.fixture("reload-v1")])
        var configuration = TestSupport.configuration(pluginDirectory: directory.path)
        configuration.buildsDirectory = directory.appendingPathComponent("builds").path
        let host = try await TestSupport.runningHost(configuration: configuration, logger: TestSupport.quietLogger)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("reload.so"))
        try TestSupport.populate(directory, with: ["reload.so": TestSupport.fixture("reload-v2")])
        await host.stopCalls(within: .zero)
        let error = await failure { () async throws(ConnectorHostError) in
            try await host.reload(pluginAt: directory.appendingPathComponent("reload.so").path)
        }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("the reload was interrupted by shutdown") == true, "\(String(describing: error))")
        #expect(host.plugin(named: "reload")?.lastReloadError == nil, "not recorded as a refused build")
        await host.shutdown()
    }

    /// Workers start only while the host runs: a call to a host whose run()
    /// has not begun fails within its time limit, saying why.
    @Test func aCallToAHostThatIsNotRunningSaysSo() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: ["tracker.so": TestSupport.plugin("tracker")])
        var configuration = TestSupport.configuration(pluginDirectory: directory.path)
        var policy = ResilienceOverrides()
        policy.timeout = .milliseconds(300)
        policy.maxRetries = 0
        configuration.pluginResilience["tracker"] = policy
        let host = try await ConnectorHost.start(configuration: configuration, logger: TestSupport.quietLogger)
        let connector = try host.connector(named: "tracker")
        let error = await failure { () async throws(ConnectorHostError) in _ = try await connector.openSession([]) }
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("the host is not running") == true, "\(String(describing: error))")
        await host.shutdown()
    }

    /// run() owns the host's background work and returns once shutdown()
    /// has stopped it, the workers with it.
    @Test func runReturnsOnceShutdownHasStoppedEveryWorker() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: ["tracker.so": TestSupport.plugin("tracker")])
        let host = try await ConnectorHost.start(
            configuration: TestSupport.configuration(pluginDirectory: directory.path), logger: TestSupport.quietLogger
        )
        let pid = try await host.whileRunning { () async throws -> Int32? in
            let connector = try host.connector(named: "tracker")
            try await connector.warmUp()
            return connector.status.pid
        }
        let worker = try #require(pid)
        #expect(host.statuses.isEmpty)
        #expect(kill(worker, 0) != 0, "the worker (pid \(worker)) still runs after run() returned")
    }
}
