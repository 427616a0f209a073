@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import Testing

/// What an embedder sees of the host itself: its own calls never spend a
/// plugin's rate limit nor count as the embedder's calls, and a missing worker
/// executable fails `start`, saying where it looked.
@Suite(.timeLimit(.minutes(5))) struct HostCallTests {
    @Test func theHostsOwnCallsLeaveTheRateLimitToTheCallers() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: ["tracker.so": TestSupport.plugin("tracker")])
        var configuration = TestSupport.configuration(pluginDirectory: directory.path)
        var limited = ResilienceOverrides()
        limited.rateLimitPerMinute = 3
        configuration.resilience = limited
        let host = try await TestSupport.runningHost(configuration: configuration, logger: TestSupport.quietLogger)
        let database = directory.appendingPathComponent("t.sqlite").path
        let api = try host.connector(named: "tracker").api(credentials: [SessionSetting(key: "database", value: database)])
        // The pooled session.open and the server.info page-size probe are the host's.
        _ = try await api.serverInfo()
        _ = try await api.listEntities(type: "bug")
        _ = try await api.entityTypes()
        let fourth = await #expect(throws: ConnectorHostError.self) { _ = try await api.serverInfo() }
        #expect(fourth?.code == .rateLimited, "three calls per minute, all three the caller's")
        await host.shutdown()
    }

    @Test func aMissingWorkerExecutableFailsStartNamingWhereItLooked() async throws {
        let directory = try TestSupport.temporaryDirectory()
        var configuration = TestSupport.configuration(pluginDirectory: directory.path)
        configuration.sandbox.workerExecutable = directory.appendingPathComponent("connector-host-worker").path
        let error = await #expect(throws: ConnectorHostError.self) {
            _ = try await TestSupport.runningHost(configuration: configuration, logger: TestSupport.quietLogger)
        }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains(configuration.sandbox.workerExecutable) == true)
        #expect(error?.message.contains("swift build --product connector-host-worker") == true)
    }
}
