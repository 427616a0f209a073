import ConnectorHost
import Foundation
import SharedTestSupport
import Testing

/// The README's "Write your own connector" section, followed to the letter: its
/// C example is extracted, built with the command the README gives, inspected,
/// called, and checked by the conformance kit.
@Suite(.timeLimit(.minutes(5))) struct ReadmeExampleTests {
    static func example() throws -> String {
        let readme = try String(contentsOf: TestSupport.root.appendingPathComponent("README.md"), encoding: .utf8)
        let marker = "<!-- readme-example: my_connector.c -->\n```c\n"
        guard let start = readme.range(of: marker), let end = readme.range(of: "\n```", range: start.upperBound..<readme.endIndex)
        else { throw TestFailure("README.md has no example marked 'readme-example: my_connector.c'") }
        return String(readme[start.upperBound..<end.lowerBound]) + "\n"
    }

    /// Builds the example, verbatim, into a new plugin directory: that directory.
    static func buildExample() async throws -> URL {
        let directory = try TestSupport.temporaryDirectory()
        let source = directory.appendingPathComponent("my_connector.c")
        try Data(try example().utf8).write(to: source)
        let plugins = directory.appendingPathComponent("my-plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)

        let compiled = try await ChildProcess.run([
            "cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-fPIC", "-shared", "-fvisibility=hidden",
            "-I", TestSupport.root.appendingPathComponent("include").path,
            "-o", plugins.appendingPathComponent("notes.so").path, source.path,
        ])
        guard compiled.status == 0 else {
            throw TestFailure("the README example does not compile without warnings: \(compiled.errorText)")
        }
        return plugins
    }

    @Test func exampleBuildsLoadsAndAnswers() async throws {
        let plugins = try await Self.buildExample()
        let inspect = try await CLI.run(["inspect", plugins.appendingPathComponent("notes.so").path])
        #expect(inspect.status == 0, "\(inspect.standardError)")
        #expect(inspect.standardOutput.hasPrefix("notes 0.1.0 (ABI version 3)"))

        let call = try await CLI.run(["call", "--plugins", plugins.path, "notes", "server.info"])
        #expect(call.status == 0, "\(call.standardError)")
        #expect(try TestSupport.object(Array(call.standardOutput.utf8))["maxResults"] as? Int == 100)

        let notFound = try await CLI.run(["call", "--plugins", plugins.path, "notes", "entity.get", "--request", #"{"entityId":"1"}"#])
        #expect(notFound.status == 3)
        #expect(notFound.standardError == "error: not_found: notes entity.get: not found: no such note\n")
    }

    @Test func theExamplePassesTheConformanceKitAsWritten() async throws {
        let plugins = try await Self.buildExample()
        let report = await ConformanceKit.run(
            pluginAt: plugins.appendingPathComponent("notes.so").path, credentials: [], sandbox: TestSupport.sandbox,
            logger: TestSupport.quietLogger
        )
        #expect(report.passed, "\(report.lines.joined(separator: "\n"))")
        #expect(report.totals.failed == 0)
        #expect(report.checks(.skip).filter(\.mandatory).isEmpty, "\(report.checks(.skip))")
        // Every check of the mandatory groups ran, nextPageLink walking included.
        let mandatoryGroups = Set(APIGroup.allCases.filter(\.isMandatory).map(\.rawValue))
        #expect(report.checks.filter { mandatoryGroups.contains($0.group) }.allSatisfy { $0.outcome == .pass })
    }
}
