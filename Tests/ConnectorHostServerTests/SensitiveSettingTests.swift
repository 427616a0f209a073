import ConnectorHost
@testable import ConnectorHostServer
import Foundation
import SharedTestSupport
import Testing

/// A setting marked sensitive never shows: not in a log line at any level, an
/// error, a response, a report or a metric, after every operation has run.
@Suite(.timeLimit(.minutes(3))) struct SensitiveSettingTests {
    static let marker = "SENSITIVE-MARKER-4f9c2e"

    @Test func noOperationOfTheBundledPluginsLeaksASensitiveSetting() async throws {
        let log = CapturedLog()
        let server = try await ServerFixture.start(over: .router, development: true, logger: log.logger(level: .trace)) { directory in
            for plugin in ["tracker", "hello-swift"] {
                try FileManager.default.copyItem(
                    at: ServerFixture.root.appendingPathComponent("build/plugins/\(plugin).so"),
                    to: directory.appendingPathComponent("plugins/\(plugin).so")
                )
            }
        }
        let database = server.directory.appendingPathComponent("\(Self.marker).sqlite").path
        let secret = SessionSetting(key: "database", value: database, sensitive: true)

        // Every operation of the standard surface, through the conformance kit.
        var sandbox = SandboxSettings()
        sandbox.dataDirectory = server.directory.path
        let report = await ConformanceKit.run(
            pluginAt: server.plugins.appendingPathComponent("tracker.so").path, credentials: [secret], sandbox: sandbox,
            logger: log.logger(level: .trace)
        )
        #expect(report.passed, "\(report.lines)")
        var seen: [String] = [String(decoding: JSONBody.encode(report), as: UTF8.self)]

        // The REST routes, a failing session among them.
        let credentials = #"[{"key":"database","value":"\#(database)","sensitive":true}]"#
        let missing = #"[{"key":"database","value":"/nowhere/\#(Self.marker)/t.sqlite","sensitive":true}]"#
        for (path, header) in [
            ("connectors/tracker/sdk-api/api/1.0/server-info", credentials),
            ("connectors/tracker/sdk-api/api/1.0/entities/424242", credentials),
            ("connectors/tracker/sdk-api/api/1.0/server-info", missing),
            ("connectors/hello-swift/sdk-api/api/1.0/server-info", credentials),
        ] {
            let answer = try await server.request("GET", path, headers: ["connector-credentials": header])
            seen.append(answer.text)
        }
        let refused = try await server.request("POST", "connectors/tracker/sdk-api/api/1.0/session", body: Data(missing.utf8))
        #expect((400..<500).contains(refused.status), "\(refused.text)")
        seen.append(refused.text)
        seen.append(try await server.request("GET", "metrics").text)
        seen.append(try await server.request("GET", "plugins").text)
        await server.stop()

        seen += log.lines.map(\.description)
        #expect(log.lines.count > 20, "the run logged at trace")
        for text in seen {
            #expect(!text.contains(Self.marker), "the sensitive value leaked: \(text)")
        }
    }
}
