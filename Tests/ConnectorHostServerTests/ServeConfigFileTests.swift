import ConnectorHost
import ConnectorHostRegistry
import Foundation
import SharedTestSupport
import Testing

/// `connector-host serve --config FILE`: the operator's policy reaches the
/// plugins of a real server, and a file with a key or value the server does
/// not know stops it before it serves.
@Suite(.timeLimit(.minutes(3))) struct ServeConfigFileTests {
    private static func directory(_ config: String, plugins: [String] = []) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serve-config-\(UUID().uuidString)")
        let pluginDirectory = directory.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: pluginDirectory, withIntermediateDirectories: true)
        for fixture in plugins {
            try FileManager.default.copyItem(
                at: ServerFixture.root.appendingPathComponent("build/fixtures/\(fixture).so"),
                to: pluginDirectory.appendingPathComponent("\(fixture).so")
            )
        }
        try Data(config.utf8).write(to: directory.appendingPathComponent("serve.yaml"))
        return directory
    }

    @Test func theFilesTimeoutAndRateLimitAreInEffect() async throws {
        let directory = try Self.directory("""
            defaults:
              max_retries: 0
            plugins:
              slow-writes:
                timeout_seconds: 0.5
              alpha:
                rate_limit_per_minute: 2
            """, plugins: ["slow-writes", "alpha"])
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try DurabilityTests.ServerProcess(
            database: directory.appendingPathComponent("registry.sqlite").path,
            plugins: directory.appendingPathComponent("plugins").path,
            arguments: ["--dev", "--config", directory.appendingPathComponent("serve.yaml").path]
        )
        defer {
            server.process.interrupt()
            server.process.waitUntilExit()
        }

        // The slow end system holds a write until the host gives up: after the
        // file's half second, not the default 30.
        let (status, body) = try await server.request(
            "POST", "connectors/slow-writes/sdk-api/api/1.0/entities/issue", json: ["title": "late"]
        )
        #expect(status == 504)
        let errors = body["errors"] as? [String: Any]
        #expect(errors?["code"] as? String == "timeout")
        #expect((errors?["message"] as? String)?.contains("within 0.5 s") == true, "\(body)")

        // Two calls a minute: by the fourth call at the latest, the limit refuses.
        var statuses: [Int] = []
        for _ in 0..<4 {
            statuses.append(try await server.request("GET", "connectors/alpha/sdk-api/api/1.0/server-info").0)
        }
        #expect(statuses.first == 200)
        #expect(statuses.last == 429, "\(statuses)")
        #expect(statuses.drop { $0 == 200 }.allSatisfy { $0 == 429 }, "\(statuses)")
    }

    @Test(arguments: [
        ("plugins:\n  alpha:\n    timeout: 5\n", "plugins.alpha.timeout: is not a setting"),
        ("plugins:\n  alpha:\n    rate_limit_per_minute: lots\n", "plugins.alpha.rate_limit_per_minute: must be a whole number"),
    ])
    func aFileWithAnUnknownKeyOrABadValueStopsTheServer(config: String, expected: String) async throws {
        let directory = try Self.directory(config)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = try await ChildProcess.run(
            [
                DurabilityTests.ServerProcess.binary,
                "serve", "--plugins", directory.appendingPathComponent("plugins").path,
                "--db", directory.appendingPathComponent("registry.sqlite").path, "--port", "0",
                "--config", directory.appendingPathComponent("serve.yaml").path,
            ],
            environment: ProcessInfo.processInfo.environment.merging(["CONNECTOR_HOST_ADMIN_TOKEN": ServerFixture.adminToken]) { $1 }
        )
        let text = outcome.errorText
        #expect(outcome.status == 2, "invalid_request's exit status: \(text)")
        #expect(text.hasPrefix("error: invalid_request: "), "\(text)")
        #expect(text.contains(expected), "\(text)")
    }
}
