import ConnectorHost
import Foundation
import Testing

@Suite(.timeLimit(.minutes(5))) struct DiscoveryTests {
    /// Good, bad, conflicting and non-plugin files in one directory.
    @Test func mixedDirectory() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: [
            "alpha.so": TestSupport.fixture("alpha"),
            "beta.so": TestSupport.fixture("beta"),
            "twin.so": TestSupport.fixture("twin"),
            "omega.so": TestSupport.fixture("omega"),
            "broken.so": TestSupport.fixture("wrong-magic"),
            "text.so": TestSupport.fixture("not-a-plugin"),
            "README.md": TestSupport.fixture("not-a-plugin"),
            ".hidden.so": TestSupport.fixture("alpha"),
        ])
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("subdirectory.so"), withIntermediateDirectories: false
        )
        let report = try await ConnectorHost.discover(directory: directory.path, logger: TestSupport.quietLogger)

        #expect(report.plugins.map(\.description.manifest.name) == ["alpha", "beta"])
        let rejected = Dictionary(uniqueKeysWithValues: report.rejected.map {
            (URL(fileURLWithPath: $0.path).lastPathComponent, $0.error)
        })
        #expect(rejected.keys.sorted() == ["broken.so", "omega.so", "text.so", "twin.so"])
        #expect(rejected["broken.so"]?.code == .abiMismatch)
        #expect(rejected["text.so"]?.code == .abiMismatch)
        #expect(rejected["twin.so"]?.code == .conflict)
        #expect(rejected["twin.so"]?.message.contains("the name 'alpha' is already taken by \(directory.path)/alpha.so") == true)
        #expect(rejected["omega.so"]?.code == .conflict)
        #expect(rejected["omega.so"]?.message.contains(
            "overlap those of 'beta' (\(directory.path)/beta.so: endpoint 600001, functions 600002...600100)") == true)

        // The winner of each conflict is reported too, naming the loser.
        #expect(report.plugins[0].warnings.count == 1)
        #expect(report.plugins[0].warnings[0].contains("twin.so was rejected: it has the same name, 'alpha'"))
        #expect(report.plugins[1].warnings.count == 1)
        #expect(report.plugins[1].warnings[0].contains("omega.so ('omega') was rejected"))
    }

    @Test func laterPathLosesWhicheverFileItIs() async throws {
        let directory = try TestSupport.temporaryDirectory()
        // "aaa.so" now sorts first: the twin wins and alpha.so is rejected.
        try TestSupport.populate(directory, with: [
            "aaa.so": TestSupport.fixture("twin"),
            "alpha.so": TestSupport.fixture("alpha"),
        ])
        let report = try await ConnectorHost.discover(directory: directory.path, logger: TestSupport.quietLogger)
        #expect(report.plugins.map(\.path) == ["\(directory.path)/aaa.so"])
        #expect(report.rejected.map(\.path) == ["\(directory.path)/alpha.so"])
    }

    @Test func unreadableDirectoryIsNotFound() async throws {
        let error = await #expect(throws: ConnectorHostError.self) {
            _ = try await ConnectorHost.discover(directory: "/nonexistent-plugins", logger: TestSupport.quietLogger)
        }
        #expect(error?.code == .notFound)
        #expect(error?.message.hasPrefix("cannot read the plugin directory /nonexistent-plugins") == true)
    }

    @Test func emptyDirectoryFindsNothing() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let report = try await ConnectorHost.discover(directory: directory.path, logger: TestSupport.quietLogger)
        #expect(report.plugins.isEmpty)
        #expect(report.rejected.isEmpty)
    }
}
