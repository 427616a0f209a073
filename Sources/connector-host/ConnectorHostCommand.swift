import ArgumentParser
import ConnectorHost

@main
struct ConnectorHostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connector-host",
        abstract: "Load, inspect and call connector plugins (.so files built against include/connector_host.h, and declarative *.connector.yaml documents).",
        discussion: """
            Errors print one line, "error: CODE: MESSAGE", and exit with the code's status:
            \(exitCodeTable)
            """,
        subcommands: [
            InspectCommand.self, ListCommand.self, CallCommand.self, HealthCommand.self, ConformanceCommand.self,
            ServeCommand.self, SignCommand.self, HTTPCommand.self,
        ]
    )

    private static var exitCodeTable: String {
        ConnectorHostError.Code.allCases.map { "  \($0.exitCode)  \($0)" }.joined(separator: "\n")
    }
}
