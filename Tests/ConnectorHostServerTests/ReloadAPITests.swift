import ConnectorHost
import ConnectorHostRegistry
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Hot reload through the server: on demand (POST /plugins/{name}/reload) and
/// with --watch, with what GET /plugins shows of it.
@Suite(.timeLimit(.minutes(2))) struct ReloadAPITests {
    static func start(watch: Bool = false) async throws -> ServerFixture {
        try await ServerFixture.start(development: true, watch: watch) { directory in
            try FileManager.default.copyItem(
                at: ServerFixture.root.appendingPathComponent("build/fixtures/reload-v1.so"),
                to: directory.appendingPathComponent("plugins/reload.so")
            )
        }
    }

    /// Renames a fixture build into place over plugins/reload.so.
    static func install(_ fixture: String, in server: ServerFixture) throws {
        let partial = server.plugins.appendingPathComponent(".reload.so.partial")
        try? FileManager.default.removeItem(at: partial)
        try FileManager.default.copyItem(
            at: ServerFixture.root.appendingPathComponent("build/fixtures/\(fixture).so"), to: partial
        )
        guard rename(partial.path, server.plugins.appendingPathComponent("reload.so").path) == 0 else {
            throw ServerTestFailure("rename failed")
        }
    }

    /// The version of the build that answers an SDK call.
    static func answeringVersion(_ server: ServerFixture) async throws -> String? {
        let answer = try await server.request("GET", "connectors/reload/sdk-api/api/1.0/entities/7")
        return answer.json["version"] as? String
    }

    @Test func reloadOnDemandSwapsAGoodBuildAndRefusesABrokenOne() async throws {
        let server = try await Self.start()
        #expect(try await Self.answeringVersion(server) == "1.0.0")

        try Self.install("reload-v2", in: server)
        #expect(try await Self.answeringVersion(server) == "1.0.0", "without --watch nothing changes by itself")
        let reloaded = try await server.request("POST", "plugins/reload/reload")
        #expect(reloaded.status == 200, "\(reloaded.text)")
        #expect(reloaded.json["version"] as? String == "2.0.0")
        #expect(try await Self.answeringVersion(server) == "2.0.0")

        try Self.install("missing-mandatory", in: server)
        let refused = try await server.request("POST", "plugins/reload/reload")
        #expect(refused.status == 422, "\(refused.text)")
        let source = server.plugins.appendingPathComponent("reload.so").path
        #expect(refused.text.contains("\(source): invalid manifest: missing mandatory operations"), "\(refused.text)")
        let shown = try await server.request("GET", "plugins")
        let plugin = try #require((shown.json["plugins"] as? [[String: Any]])?.first)
        #expect(plugin["version"] as? String == "2.0.0")
        #expect((plugin["lastReloadError"] as? String)?.hasPrefix("manifest_invalid: \(source)") == true, "\(plugin)")
        #expect(try await Self.answeringVersion(server) == "2.0.0", "the running build keeps serving")

        let org = try await server.org("acme")
        #expect(try await server.request("POST", "plugins/reload/reload", token: org).status == 401, "an admin's action")
        #expect(try await server.request("POST", "plugins/nope/reload").status == 404)
        await server.stop()
    }

    @Test func withWatchARenamedBuildServesWithoutARequest() async throws {
        let server = try await Self.start(watch: true)
        var events = server.server.host.reloadEvents().makeAsyncIterator()
        #expect(try await Self.answeringVersion(server) == "1.0.0")
        try Self.install("reload-v3", in: server)
        while let event = await events.next() {
            if case .reloaded(_, _, let version, _) = event, version == "3.0.0" { break }
        }
        #expect(try await Self.answeringVersion(server) == "3.0.0")
        let plugin = try await server.request("GET", "plugins/reload")
        #expect(plugin.json["version"] as? String == "3.0.0")
        #expect(plugin.json["lastReloadError"] == nil)
        await server.stop()
    }
}
