@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import Testing

/// A sandboxed plugin's worker starts whenever a call needs one, long after the
/// scan: it must run the build that was scanned (and its signature checked),
/// not whatever the plugin directory holds by then.
@Suite(.timeLimit(.minutes(3))) struct StagedBuildTests {
    @Test func aWorkerStartedAfterTheFileChangedRunsTheScannedBuild() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: ["tracker.so": TestSupport.plugin("tracker")])
        let host = try await TestSupport.runningHost(
            configuration: TestSupport.configuration(pluginDirectory: directory.path), logger: TestSupport.quietLogger
        )
        let tracker = try host.connector(named: "tracker")
        #expect(tracker.status.health == .idle, "no worker yet: the first call starts it")

        // Same manifest, another function table: a different build.
        let file = directory.appendingPathComponent("tracker.so")
        try FileManager.default.removeItem(at: file)
        try FileManager.default.copyItem(atPath: TestSupport.fixture("tracker-no-link-upsert"), toPath: file.path)

        let session = try await tracker.openSession([
            SessionSetting(key: "database", value: directory.appendingPathComponent("t.sqlite").path),
        ])
        let info = try TestSupport.object(await tracker.call(.serverInfo, session: session))
        #expect(info["maxResults"] as? Int == 50, "the scanned build answers, not refused as a changed file")
        try await tracker.closeSession(session)
        await host.shutdown()
    }
}
