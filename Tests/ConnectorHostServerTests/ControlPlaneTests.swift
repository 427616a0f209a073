@testable import ConnectorHostServer
import Foundation
import Testing

/// Plugins, health, metrics and the API description, over HTTP.
@Suite(.timeLimit(.minutes(5))) struct ControlPlaneTests {
    static func devServer() async throws -> ServerFixture {
        try await ServerFixture.start(development: true) { directory in
            try FileManager.default.copyItem(
                at: ServerFixture.root.appendingPathComponent("build/plugins/tracker.so"),
                to: directory.appendingPathComponent("plugins/tracker.so")
            )
        }
    }

    @Test func healthzNeedsNoTokenEverythingElseDoes() async throws {
        let server = try await Self.devServer()
        let health = try await server.request("GET", "healthz", token: nil)
        #expect(health.status == 200)
        #expect(health.json["status"] as? String == "ok")
        for path in ["plugins", "metrics", "openapi.json", "plugins/tracker"] {
            #expect(try await server.request("GET", path, token: nil).status == 401, "\(path)")
        }
        await server.stop()
    }

    @Test func pluginsShowStateAndFunctions() async throws {
        let server = try await Self.devServer()
        let list = try await server.request("GET", "plugins")
        let plugin = try #require((list.json["plugins"] as? [[String: Any]])?.first)
        #expect(plugin["name"] as? String == "tracker")
        #expect(plugin["version"] as? String == "1.0.0")
        #expect(plugin["abiVersion"] as? Int == 3)
        #expect(plugin["runtime"] as? String == "sandbox")
        #expect(plugin["health"] as? String == "idle", "the server started no worker")
        #expect(plugin["pid"] == nil)
        #expect(plugin["breaker"] as? String == "closed")
        #expect((plugin["fileSHA256"] as? String)?.count == 64)

        let org = try await server.org("acme")
        #expect(try await server.request("POST", "plugins/tracker/warm", token: org).status == 401, "an admin's action")
        let warmed = try await server.request("POST", "plugins/tracker/warm")
        #expect(warmed.status == 200, "\(warmed.text)")
        #expect(warmed.json["health"] as? String == "healthy")
        let pid = try #require(warmed.json["pid"] as? Int)
        #expect(try await server.request("GET", "plugins/tracker").json["pid"] as? Int == pid)
        let audit = try await server.request("GET", "admin/audit")
        let entries = try #require(audit.json["entries"] as? [[String: Any]])
        #expect(entries.contains { $0["action"] as? String == "plugin warmed up" && $0["subject"] as? String == "tracker" })

        let one = try await server.request("GET", "plugins/tracker")
        let functions = try #require(one.json["functions"] as? [[String: Any]])
        let checksum = try #require(functions.first { $0["name"] as? String == "checksum" })
        #expect(checksum["signature"] as? String == "uint32_t checksum(const char *)")
        #expect(checksum["entityId"] as? Int == 200050)
        #expect(try await server.request("GET", "plugins/nope").status == 404)
        await server.stop()
    }

    @Test func pauseResumeRestart() async throws {
        let server = try await Self.devServer()
        // Operator actions on a running worker; no call's time limit covers its start.
        #expect(try await server.request("POST", "plugins/tracker/warm").status == 200)
        func checksum() async throws -> ServerFixture.Answer {
            try await server.request("POST", "connectors/tracker/functions/checksum", body: Data(#"["hello"]"#.utf8))
        }
        #expect(try await checksum().json["result"] as? Int == 907_060_870)

        let org = try await server.org("acme")
        #expect(try await server.request("POST", "plugins/tracker/pause", token: org).status == 401, "an admin's action")
        let paused = try await server.request("POST", "plugins/tracker/pause")
        #expect(paused.json["health"] as? String == "paused")
        let refused = try await checksum()
        #expect(refused.status == 503)
        #expect(refused.text.contains("paused by an operator"))
        _ = try await server.request("POST", "plugins/tracker/resume")
        #expect(try await checksum().status == 200)

        let before = try await server.request("GET", "plugins/tracker").json["pid"] as? Int
        let restarted = try await server.request("POST", "plugins/tracker/restart")
        #expect(restarted.status == 200)
        let after = restarted.json["pid"] as? Int
        #expect(before != nil && after != nil && before != after)
        #expect(try await checksum().status == 200)
        await server.stop()
    }

    @Test func metricsInPrometheusText() async throws {
        let server = try await Self.devServer()
        _ = try await server.request("POST", "connectors/tracker/functions/checksum", body: Data(#"["a"]"#.utf8))
        _ = try await server.request("POST", "connectors/tracker/functions/sla_minutes", body: Data("[999]".utf8))
        let metrics = try await server.request("GET", "metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        #expect(metrics.text.contains(#"connector_host_calls_total{plugin="tracker"} 1"#), "\(metrics.text.prefix(2000))")
        #expect(metrics.text.contains(#"connector_host_breaker_state{plugin="tracker"} 0"#))
        #expect(metrics.text.contains("connector_host_call_duration_seconds"))
        await server.stop()
    }
}
