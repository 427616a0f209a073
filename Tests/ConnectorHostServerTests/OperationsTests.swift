import ConnectorHost
import ConnectorHostRegistry
@testable import ConnectorHostServer
import Foundation
import Logging
import SharedTestSupport
import Testing

/// What an operator relies on: state that survives a restart, an audit trail
/// of who did what, a log line for each request and each failed call, and
/// metrics to alert on.
@Suite(.timeLimit(.minutes(3))) struct OperationsTests {
    static func trackerInPlugins(_ directory: URL) throws {
        try FileManager.default.copyItem(
            at: ServerFixture.root.appendingPathComponent("build/plugins/tracker.so"),
            to: directory.appendingPathComponent("plugins/tracker.so")
        )
    }

    @Test func aPauseOutlivesARestartAndEveryActionIsAudited() async throws {
        let first = try await ServerFixture.start(development: true, prepare: Self.trackerInPlugins)
        #expect(try await first.request("POST", "plugins/tracker/pause").status == 200)
        await first.stop()

        let second = try await ServerFixture.start(development: true, reusing: first.directory)
        let shown = try await second.request("GET", "plugins/tracker")
        #expect(shown.json["health"] as? String == "paused", "\(shown.text)")
        let refused = try await second.request("GET", "connectors/tracker/sdk-api/api/1.0/server-info", headers: [
            "connector-credentials": #"[{"key":"database","value":"\#(second.directory.path)/t.sqlite"}]"#,
        ])
        #expect(refused.status == 503, "\(refused.text)")
        #expect(refused.headers["retry-after"] == "60")
        #expect(try await second.request("POST", "plugins/tracker/resume").status == 200)
        #expect(try await second.request("POST", "plugins/tracker/restart").status == 200)

        let audit = try await second.request("GET", "admin/audit")
        let entries = try #require(audit.json["entries"] as? [[String: Any]])
        for action in ["plugin paused", "plugin resumed", "plugin restarted"] {
            let entry = entries.first { $0["action"] as? String == action && $0["subject"] as? String == "tracker" }
            #expect((entry?["actor"] as? String)?.hasPrefix("admin (token admin-configured") == true, "\(action): \(entries)")
        }
        await second.stop()
        let third = try await ServerFixture.start(development: true, reusing: first.directory)
        // Resumed for good: neither paused nor quarantined, waiting for its first call.
        #expect(try await third.request("GET", "plugins/tracker").json["health"] as? String == "idle")
        await third.stop()
    }

    /// A build that crash-loops stays quarantined across a restart, until an
    /// operator restarts it.
    @Test func aQuarantineOutlivesARestart() async throws {
        let first = try await ServerFixture.start(development: true) { directory in
            try FileManager.default.copyItem(
                at: ServerFixture.root.appendingPathComponent("build/fixtures/hostile-late-crash.so"),
                to: directory.appendingPathComponent("plugins/looping.so")
            )
        }
        let connector = try first.server.host.connector(named: "hostile-late-crash")
        // Its worker crashes on its own once started; from then on it is restarted until quarantined.
        try await connector.warmUp()
        #expect(await eventually { connector.status.health == .quarantined })
        await first.stop()

        let second = try await ServerFixture.start(development: true, reusing: first.directory)
        let shown = try await second.request("GET", "plugins/hostile-late-crash")
        #expect(shown.json["health"] as? String == "quarantined", "\(shown.text)")
        #expect((shown.json["reason"] as? String)?.contains("kept from before the server restarted") == true)
        let audit = try await second.request("GET", "admin/audit")
        #expect(audit.text.contains("plugin quarantined"))
        #expect(try await second.request("POST", "plugins/hostile-late-crash/restart").status == 200)
        #expect(try await second.request("GET", "plugins/hostile-late-crash").json["health"] as? String != "quarantined")
        #expect(try await second.server.registry.quarantines().isEmpty, "an operator's restart lifts the kept quarantine")
        await second.stop()
    }

    @Test func eachRequestAndEachFailedCallLeavesALine() async throws {
        let log = CapturedLog()
        let server = try await ServerFixture.start(development: true, logger: log.logger(level: .info),
                                                   prepare: Self.trackerInPlugins)
        let org = try await server.org("acme")
        let credentials = #"[{"key":"database","value":"\#(server.directory.path)/t.sqlite"}]"#
        let missing = try await server.request("GET", "connectors/tracker/sdk-api/api/1.0/entities/424242", token: org,
                                               headers: ["connector-credentials": credentials])
        #expect(missing.status == 404)
        await server.stop()

        let requests = log.lines.filter { $0.message == "request" }
        let entity = try #require(requests.first { $0.metadata["path"]?.contains("entities") == true })
        #expect(entity.level == .info)
        #expect(entity.metadata["method"] == "GET")
        #expect(entity.metadata["path"] == "/connectors/{connectorId}/sdk-api/api/1.0/entities/{first}", "\(entity)")
        #expect(entity.metadata["status"] == "404")
        #expect(entity.metadata["caller"] == "org:acme")
        #expect(entity.metadata["took"] != nil)

        let failed = try #require(log.lines.first { $0.message == "call failed" }, "\(log.lines)")
        #expect(failed.level == .warning)
        #expect(failed.metadata["plugin"] == "tracker")
        #expect(failed.metadata["call"] == "entity.get")
        #expect(failed.metadata["outcome"] == "not_found")
        #expect(failed.metadata["attempts"] == "1")
        for line in log.lines {
            #expect(!line.description.contains(org), "a token in a log line: \(line)")
            #expect(!line.description.contains(ServerFixture.adminToken), "a token in a log line: \(line)")
        }
    }

    /// A connector's routes answer errors in one shape, custom functions included.
    @Test func functionAndSDKRoutesAnswerErrorsInOneShape() async throws {
        let server = try await ServerFixture.start(development: true, prepare: Self.trackerInPlugins)
        let function = try await server.request("POST", "connectors/tracker/functions/sla_minutes", body: Data("[999]".utf8))
        let sdk = try await server.request("GET", "connectors/tracker/sdk-api/api/1.0/entities/424242", headers: [
            "connector-credentials": #"[{"key":"database","value":"\#(server.directory.path)/t.sqlite"}]"#,
        ])
        for answer in [function, sdk] {
            let errors = answer.json["errors"] as? [String: Any]
            #expect(errors?["code"] is String && errors?["message"] is String && errors?.keys.contains("detail") == true,
                    "\(answer.text)")
            #expect(answer.json["error"] == nil)
        }
        #expect(function.status == 400)
        await server.stop()
    }

    @Test func metricsCarryHealthRestartsRetriesAndRejections() async throws {
        let server = try await ServerFixture.start(development: true, prepare: Self.trackerInPlugins)
        #expect(try await Self.callTracker(on: server).status == 200)
        let metrics = try await server.request("GET", "metrics")
        #expect(metrics.status == 200)
        for series in [
            #"connector_host_plugin_health{plugin="tracker",state="healthy"} 1"#,
            #"connector_host_plugin_health{plugin="tracker",state="idle"} 0"#,
            #"connector_host_plugin_health{plugin="tracker",state="quarantined"} 0"#,
            #"connector_host_worker_restarts{plugin="tracker"} 0"#,
            // Its value is not: on a loaded machine the first call's worker may
            // start after the attempt's time limit, and the call is repeated.
            #"connector_host_retries_total{plugin="tracker"} "#,
            #"connector_host_rejections_total{plugin="tracker",kind="rate_limited"} 0"#,
        ] {
            #expect(metrics.text.contains(series), "\(series) in\n\(metrics.text)")
        }
        await server.stop()
    }

    /// A plugin's series cost the metrics backend (swift-prometheus's time per
    /// series grows with their number), so one never called has none: they
    /// appear with its first call, or once its state is one to alert on.
    @Test func aPluginsSeriesAppearWithItsFirstCallOrAStateToAlertOn() async throws {
        let server = try await ServerFixture.start(development: true) { directory in
            for plugin in ["tracker", "hello-swift"] {
                try FileManager.default.copyItem(
                    at: ServerFixture.root.appendingPathComponent("build/plugins/\(plugin).so"),
                    to: directory.appendingPathComponent("plugins/\(plugin).so")
                )
            }
        }
        let served = try await server.request("GET", "plugins").text
        #expect(served.contains("hello-swift") && served.contains("tracker"), "\(served)")
        let uncalled = try await server.request("GET", "metrics").text
        for plugin in ["tracker", "hello-swift"] {
            #expect(!uncalled.contains(#"plugin="\#(plugin)""#), "\(plugin), never called, has series in\n\(uncalled)")
        }

        #expect(try await Self.callTracker(on: server).status == 200)
        let called = try await server.request("GET", "metrics").text
        for series in [
            #"connector_host_calls_total{plugin="tracker"} 1"#,
            #"connector_host_failures_total{plugin="tracker",kind="timeout"} 0"#,
            #"connector_host_rejections_total{plugin="tracker",kind="circuit_open"} 0"#,
            #"connector_host_breaker_state{plugin="tracker"} 0"#,
            #"connector_host_plugin_health{plugin="tracker",state="healthy"} 1"#,
            #"connector_host_worker_restarts{plugin="tracker"} 0"#,
            #"connector_host_call_duration_seconds_count{plugin="tracker"} 1"#,
        ] {
            #expect(called.contains(series), "\(series) in\n\(called)")
        }
        #expect(!called.contains(#"plugin="hello-swift""#), "hello-swift, never called, has series in\n\(called)")

        #expect(try await server.request("POST", "plugins/hello-swift/pause").status == 200)
        let paused = try await server.request("GET", "metrics").text
        for series in [
            #"connector_host_plugin_health{plugin="hello-swift",state="paused"} 1"#,
            #"connector_host_plugin_health{plugin="hello-swift",state="idle"} 0"#,
            #"connector_host_calls_total{plugin="hello-swift"} 0"#,
            #"connector_host_breaker_state{plugin="hello-swift"} 0"#,
        ] {
            #expect(paused.contains(series), "\(series) in\n\(paused)")
        }
        await server.stop()
    }

    /// One call of a custom function of the tracker.
    static func callTracker(on server: ServerFixture) async throws -> ServerFixture.Answer {
        try await server.request("POST", "connectors/tracker/functions/checksum", body: Data(#"["a"]"#.utf8))
    }
}
