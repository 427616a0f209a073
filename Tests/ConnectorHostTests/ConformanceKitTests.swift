@testable import ConnectorHost
import Foundation
import Testing

/// The conformance kit against the bundled tracker, and against trackers
/// built with one defect each: every defect fails exactly its own check.
@Suite struct ConformanceKitTests {
    static func report(_ path: String) async throws -> ConformanceReport {
        let directory = try TestSupport.temporaryDirectory()
        let database = SessionSetting(key: "database", value: directory.appendingPathComponent("tracker.sqlite").path)
        return await ConformanceKit.run(
            pluginAt: path, credentials: [database], sandbox: TestSupport.sandbox, logger: TestSupport.quietLogger
        )
    }

    @Test func theTrackerPassesEveryCheckOfEveryGroup() async throws {
        let report = try await Self.report(TestSupport.plugin("tracker"))
        #expect(report.passed, "\(report.lines.joined(separator: "\n"))")
        #expect(report.checks(.skip).isEmpty, "\(report.checks(.skip))")
        let groups = Set(report.checks.map(\.group))
        #expect(groups == Set(["load"] + APIGroup.allCases.map(\.rawValue)))
    }

    @Test(arguments: [
        ("duplicate-page", "entity", "entity.list pages", "entity 3 came 2 times"),
        ("wrong-field-type", "configuration", "server.info answers the documented shape", "$.maxResults: expected an integer, got string"),
        ("history-gap", "history", "history.list records each change", "CREATE, UPDATE, UPDATE"),
        ("attachment-byte", "attachments", "attachment bytes round trip", "they differ from byte 0"),
    ])
    func eachDefectFailsExactlyItsCheck(defect: String, group: String, check: String, detail: String) async throws {
        let report = try await Self.report(TestSupport.fixture("tracker-\(defect)"))
        let failed = report.checks(.fail)
        #expect(failed.map(\.group) == [group])
        #expect(failed.map(\.name) == [check])
        #expect(failed.first?.detail?.contains(detail) == true, "\(failed)")
    }

    @Test func aPluginThatDoesNotLoadFailsTheLoadCheckNamingTheFile() async throws {
        let path = TestSupport.fixture("missing-mandatory")
        let report = try await Self.report(path)
        #expect(report.checks.map(\.name) == ["descriptor passes every ABI check"])
        let detail = try #require(report.checks.first?.detail)
        #expect(detail.contains("\(path): invalid manifest: missing mandatory operations: session.close"), "\(detail)")
    }

    @Test func optionalGroupsAPluginDoesNotDeclareAreSkippedNotFailed() async throws {
        let report = try await Self.report(TestSupport.fixture("alpha"))
        for group in APIGroup.allCases where !group.isMandatory {
            #expect(report.checks.filter { $0.group == group.rawValue }.map(\.outcome) == [.skip], "\(group)")
        }
    }

    @Test func theCommandExitsOneOnAFailureAndZeroOnAPass() throws {
        let directory = try TestSupport.temporaryDirectory()
        let passing = try CLI.run([
            "conformance", TestSupport.plugin("tracker"), "--setting", "database=\(directory.path)/pass.sqlite",
            "--data-directory", directory.path,
        ])
        #expect(passing.status == 0, "\(passing.standardOutput)\(passing.standardError)")
        #expect(passing.standardOutput.hasSuffix("27 passed, 0 failed, 0 skipped\n"), "\(passing.standardOutput)")
        let failing = try CLI.run([
            "conformance", TestSupport.fixture("tracker-history-gap"), "--setting", "database=\(directory.path)/fail.sqlite",
            "--data-directory", directory.path,
            "--json",
        ])
        #expect(failing.status == 1)
        let json = try TestSupport.object(Array(failing.standardOutput.utf8))
        let checks = try #require(json["checks"] as? [[String: Any]])
        #expect(checks.filter { $0["outcome"] as? String == "fail" }.compactMap { $0["name"] as? String }
            == ["history.list records each change"])
        #expect(json["passed"] as? Bool == false)
        let totals = try #require(json["totals"] as? [String: Int])
        #expect(totals == ["passed": 26, "failed": 1, "skipped": 0], "\(totals)")
        // A report kept by the catalogue still reads back.
        let report = try JSONDecoder().decode(ConformanceReport.self, from: Data(failing.standardOutput.utf8))
        #expect(report.totals.failed == 1)
    }
}
