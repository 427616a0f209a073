@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import Testing

/// The conformance kit against the bundled tracker, and against trackers
/// built with one defect each: every defect fails exactly its own check.
@Suite(.timeLimit(.minutes(5))) struct ConformanceKitTests {
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
        for operation in [StandardOperation.linkUpsert, .linkDelete, .historyLinks, .attachmentUpdate, .substepList] {
            #expect(report.checks.contains { $0.operation == operation.rawValue && $0.outcome == .pass }, "\(operation)")
        }
    }

    @Test(arguments: [
        ("duplicate-page", "entity", "entity.list pages", "came 2 times"),
        ("wrong-field-type", "configuration", "server.info answers the documented shape", "$.maxResults: expected an integer, got string"),
        ("history-gap", "history", "history.list records each change", "CREATE, UPDATE, UPDATE, DELETE"),
        ("attachment-byte", "attachments", "attachment bytes round trip", "they differ from byte 0"),
        ("page-link-overlap", "entity", "entity.list follows nextPageLink", "came 2 times following nextPageLink"),
        ("upsert-forgets-links", "links", "link.upsert adds a link once", "once after upsert 1, got it 0 times"),
        ("delete-keeps-link", "links", "link.delete removes the link", "expected not_found for deleting the link again, got an answer"),
        ("link-history-gap", "history", "history.links records each change", "expected 2 revisions for a link added and deleted, got 0"),
        ("update-keeps-content", "attachments", "attachment.update changes what it is given", "the 100 bytes the update gave, got 512 bytes"),
        ("substep-drops-fields", "substeps", "substep.list steps together make the update", "to set exactly the fields of the update"),
        ("history-recovery-without-flag", "configuration",
         "entity_type.get claims HISTORY_BASED recovery only with CH_PLUGIN_HISTORY_RECOVERY",
         "entity type story: tracker answered recovery.type HISTORY_BASED but does not declare CH_PLUGIN_HISTORY_RECOVERY"),
    ])
    func eachDefectFailsExactlyItsCheck(defect: String, group: String, check: String, detail: String) async throws {
        let report = try await Self.report(TestSupport.fixture("tracker-\(defect)"))
        let failed = report.checks(.fail)
        #expect(failed.map(\.group) == [group])
        #expect(failed.map(\.name) == [check])
        #expect(failed.first?.detail?.contains(detail) == true, "\(failed)")
        // The report says which operation it checked and what it last sent.
        let failure = try #require(failed.first)
        #expect(failure.operation.map { StandardOperation(rawValue: $0) != nil } == true)
        #expect(failure.request.map { StandardOperation(rawValue: $0.operation) != nil } == true, "\(failure)")
        #expect(report.checks(.skip).isEmpty)
    }

    @Test func aPluginWithOnlyTheMandatoryOperationsFailsNamingWhatToAdd() async throws {
        let report = try await Self.report(TestSupport.fixture("tracker-mandatory-only"))
        #expect(!report.passed)
        #expect(report.checks(.skip).filter(\.mandatory).isEmpty, "a mandatory check never skips")
        let entityChecks = report.checks.filter { $0.group == APIGroup.entity.rawValue }
        #expect(entityChecks.count >= 7)
        for check in entityChecks where check.name != "entity.get of an unknown entity" && check.name != "entity.list honours maxResults" {
            #expect(check.outcome == .fail, "\(check)")
            #expect(check.detail?.contains("cannot run: the kit builds entities from the fields entity_type.get lists; implement entity_type.get") == true, "\(check)")
        }
        let lookup = try #require(report.checks.first { $0.name == "lookup.values answers the documented shape" })
        #expect(lookup.outcome == .fail)
        #expect(lookup.detail?.contains("implement entity_type.get and list one") == true, "\(lookup)")
        for group in APIGroup.allCases where !group.isMandatory {
            let checks = report.checks.filter { $0.group == group.rawValue }
            #expect(!checks.isEmpty && checks.allSatisfy { $0.outcome == .skip && !$0.mandatory }, "\(group): \(checks)")
            #expect(checks.allSatisfy { $0.detail?.hasPrefix("the plugin does not implement") == true })
        }
    }

    @Test func anOptionalOperationItImplementsFailsWhenItsCheckCannotRun() async throws {
        let withoutTypes = try await Self.report(TestSupport.fixture("tracker-no-entity-type-get"))
        let comments = try #require(withoutTypes.checks.first { $0.name == "comment.add then comment.list" })
        #expect(comments.outcome == .fail)
        #expect(comments.detail?.hasPrefix("cannot run: the kit builds entities from the fields entity_type.get lists") == true, "\(comments)")
        // entity_type.get itself is optional and not implemented: skipped.
        #expect(withoutTypes.checks.filter { $0.operation == "entity_type.get" }.map(\.outcome) == [.skip, .skip])

        let withoutUpsert = try await Self.report(TestSupport.fixture("tracker-no-link-upsert"))
        let failed = withoutUpsert.checks(.fail)
        #expect(Set(failed.map(\.name)) == ["link.delete removes the link", "link.siblings in rank order", "history.links records each change"])
        let delete = try #require(failed.first { $0.operation == "link.delete" })
        #expect(delete.detail == "cannot run: link.delete is checked through link.upsert; implement link.upsert")
        #expect(withoutUpsert.checks.first { $0.name == "link.upsert adds a link once" }?.outcome == .skip)
    }

    @Test func aPluginThatDoesNotLoadFailsTheLoadCheckNamingTheFile() async throws {
        let path = TestSupport.fixture("missing-mandatory")
        let report = try await Self.report(path)
        #expect(report.checks.map(\.name) == ["descriptor passes every ABI check"])
        let detail = try #require(report.checks.first?.detail)
        #expect(detail.contains("\(path): invalid manifest: missing mandatory operations: session.close"), "\(detail)")
    }

    @Test func theCommandExitsOneOnAFailureAndZeroOnAPass() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let passing = try await CLI.run([
            "conformance", TestSupport.plugin("tracker"), "--setting", "database=\(directory.path)/pass.sqlite",
            "--data-directory", directory.path,
        ])
        #expect(passing.status == 0, "\(passing.standardOutput)\(passing.standardError)")
        let count = try await Self.report(TestSupport.plugin("tracker")).checks.count
        #expect(passing.standardOutput.hasSuffix("\(count) passed, 0 failed, 0 skipped\n"), "\(passing.standardOutput)")
        let failing = try await CLI.run([
            "conformance", TestSupport.fixture("tracker-history-gap"), "--setting", "database=\(directory.path)/fail.sqlite",
            "--data-directory", directory.path,
            "--json",
        ])
        #expect(failing.status == 1)
        let json = try TestSupport.object(Array(failing.standardOutput.utf8))
        let checks = try #require(json["checks"] as? [[String: Any]])
        let failed = checks.filter { $0["outcome"] as? String == "fail" }
        #expect(failed.compactMap { $0["name"] as? String } == ["history.list records each change"])
        #expect(json["passed"] as? Bool == false)
        let totals = try #require(json["totals"] as? [String: Int])
        #expect(totals == ["passed": count - 1, "failed": 1, "skipped": 0], "\(totals)")
        // Per check: the operation, whether it is mandatory, the request last sent and what was wrong.
        let failure = try #require(failed.first)
        #expect(failure["operation"] as? String == "history.list")
        #expect(failure["mandatory"] as? Bool == false)
        let request = try #require(failure["request"] as? [String: Any])
        #expect(request["operation"] as? String == "history.list")
        #expect((request["body"] as? [String: Any])?["orderByDirection"] as? String == "ASC")
        #expect((failure["detail"] as? String)?.contains("CREATE, UPDATE, UPDATE, DELETE") == true)
        // A report kept by the catalogue still reads back.
        let report = try JSONDecoder().decode(ConformanceReport.self, from: Data(failing.standardOutput.utf8))
        #expect(report.totals.failed == 1)
    }

    @Test func aReportStoredBeforeChecksNamedTheirOperationStillReadsBack() throws {
        let stored = #"{"plugin":"p","version":"1","checks":[{"group":"load","name":"descriptor passes every ABI check","outcome":"pass"}]}"#
        let report = try JSONDecoder().decode(ConformanceReport.self, from: Data(stored.utf8))
        #expect(report.passed)
        #expect(report.checks.first?.operation == nil)
        #expect(report.checks.first?.mandatory == false)
    }
}
