import ArgumentParser
import ConnectorHost

struct ConformanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conformance",
        abstract: "Check a plugin against the standard connector surface, live, in a sandbox worker.",
        discussion: """
            Runs the mandatory groups in their order of implementation (session, metadata, configuration, \
            entities), then the optional groups: response shapes and allowed values against \
            docs/operations.md, paging by startIndex and nextPageLink, create-then-get, soft delete, not-found \
            and invalid-input answers, substep splits, attachment bytes and updates, links and their rank \
            order, history of every change. Prints one line per check: PASS, FAIL (what was expected, what \
            came back) or SKIP (why). A mandatory check that cannot run fails, naming what the plugin must \
            add; only what the plugin does not implement is skipped. Exits 1 when a check fails. --json \
            prints the report: passed, totals, and per check its operation, the request it sent and what was \
            wrong. The checks create entities in the end system the settings point at: use a test system.

            Example:
              connector-host conformance build/plugins/tracker.so --setting database=/tmp/conformance.sqlite
            """
    )

    @Argument(help: ArgumentHelp("The plugin file: a .so, or a connector document (NAME.connector.yaml).", valueName: "plugin.so"))
    var plugin: String

    @OptionGroup var session: SessionSettingOptions

    @Flag(help: "Print the report as JSON.")
    var json = false

    @OptionGroup var sandbox: SandboxOptions

    @OptionGroup var common: CommonOptions

    func run() async throws {
        // One plugin, whose name is read only once it runs: it gets every host named.
        var settings = sandbox.applied(to: SandboxSettings())
        settings.allowedHosts = sandbox.allowedHosts.values.flatMap { $0 }
        let report = await ConformanceKit.run(
            pluginAt: plugin, credentials: session.sessionSettings, sandbox: settings,
            logger: common.makeLogger(defaultLevel: .error)
        )
        if json {
            try await reportingFailure { () throws(ConnectorHostError) in try JSONOutput.print(report) }
        } else {
            report.lines.forEach { print($0) }
            let totals = report.totals
            print("\(totals.passed) passed, \(totals.failed) failed, \(totals.skipped) skipped")
        }
        if !report.passed { throw ExitCode(1) }
    }
}
