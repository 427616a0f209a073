import ArgumentParser
import ConnectorHost
import Foundation

/// `connector-host http`: declarative HTTP connectors (`*.connector.yaml`).
struct HTTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Check and try declarative HTTP connectors (*.connector.yaml, *.connector.json).",
        discussion: """
            A declarative connector is a document with the Connector Builder's fields: name, base_url, \
            auth_type and credential_schema, operations with parameters, resilience. Put it in a --plugins \
            directory as NAME.connector.yaml and the host serves it like a compiled plugin: each operation is a \
            function, called with a JSON object of parameters in the session of the credentials.
            """,
        subcommands: [HTTPValidateCommand.self, HTTPTestCommand.self, HTTPImportCommand.self]
    )
}

/// `connector-host http validate FILE`.
struct HTTPValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a connector document; list every problem with where it is (exit 7 when invalid).",
        discussion: """
            Example:
              connector-host http validate Plugins/httpbin/httpbin.connector.yaml
            """
    )

    @Argument(help: "The connector document.")
    var file: String

    @Flag(help: "Print the result as JSON: {\"valid\", \"problems\"} or the connector's summary.")
    var json = false

    func run() async throws {
        try await reportingFailure { () throws(ConnectorHostError) in
            let problems = try ConnectorDocument.problems(inFileAt: file)
            guard problems.isEmpty else {
                if json {
                    try JSONOutput.print(ValidationReport(valid: false, problems: problems))
                } else {
                    print("\(file): invalid:")
                    for problem in problems { print("  - \(problem)") }
                }
                throw ConnectorHostError(
                    .manifestInvalid, "\(file): invalid connector document (\(problems.count) problem\(problems.count == 1 ? "" : "s"), listed above)"
                )
            }
            let document = try ConnectorDocument.load(path: file)
            if json {
                try JSONOutput.print(ValidationReport(
                    valid: true, problems: [], name: document.slug, version: document.version,
                    operations: document.operations.map(\.name)
                ))
            } else {
                print("\(file): valid: \(document.slug) \(document.version), auth \(document.auth.typeName), "
                    + "\(document.operations.count) operation\(document.operations.count == 1 ? "" : "s"): "
                    + document.operations.map(\.name).joined(separator: ", "))
            }
        }
    }

    struct ValidationReport: Encodable {
        var valid: Bool
        var problems: [String]
        var name: String?
        var version: String?
        var operations: [String]?
    }
}

/// `connector-host http test FILE OPERATION`.
struct HTTPTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Send one operation's request and show what the builder's test panel shows.",
        discussion: """
            Prints the request as sent (secrets masked), the status, headers and body of the answer, the time, \
            and the answer checked against the operation's response schema. The credentials are used for this \
            request only and never stored. Exit 0 when the call succeeded and the answer matches its schema; \
            otherwise the error's exit code (schema mismatches: plugin_error, 8).

            Example:
              connector-host http test httpbin.connector.yaml get_anything --param id=42 --param q=hello \\
                --credential username=alice --sensitive-credential password=secret
            """
    )

    @Argument(help: "The connector document.")
    var file: String

    @Argument(help: "The operation to send.")
    var operation: String

    @Option(name: .customLong("param"), help: ArgumentHelp("A parameter; numbers and booleans as their type needs.", valueName: "name=value"))
    var parameters: [String] = []

    @Option(name: .customLong("credential"), help: ArgumentHelp("A test credential.", valueName: "name=value"))
    var credentials: [String] = []

    @Option(name: .customLong("sensitive-credential"), help: ArgumentHelp("A test credential that is a secret.", valueName: "name=value"))
    var sensitiveCredentials: [String] = []

    @Option(help: ArgumentHelp("How long the exchange may take, in seconds.", valueName: "seconds"))
    var timeout: Double = 30

    @Flag(help: "Print the panel as JSON.")
    var json = false

    func validate() throws {
        for pair in parameters + credentials + sensitiveCredentials where !pair.contains("=") {
            throw ValidationError("'\(pair)' has no '='; write name=value")
        }
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout takes 0 to 3600 seconds") }
    }

    func run() async throws {
        try await reportingFailure { () throws(ConnectorHostError) in
            let document = try ConnectorDocument.load(path: file)
            guard let declared = document.operations.first(where: { $0.name == operation }) else {
                throw ConnectorHostError(
                    .notFound, "\(document.slug) has no operation '\(operation)' (operations: \(document.operations.map(\.name).joined(separator: ", ")))"
                )
            }
            var values: [String: JSONValue] = [:]
            for pair in parameters {
                let (name, text) = Self.split(pair)
                let kind = declared.parameters.first { $0.name == name }?.kind ?? .string
                values[name] = Self.value(text, as: kind)
            }
            let settings = credentials.map { Self.setting($0, sensitive: false) } + sensitiveCredentials.map { Self.setting($0, sensitive: true) }
            let result = try document.test(
                operation: operation, parameters: values, settings: settings, timeout: .milliseconds(Int64(timeout * 1000))
            )
            if json { try JSONOutput.print(result) } else { Self.show(result) }
            if let error = result.error { throw error }
            if let mismatches = result.schemaMismatches, !mismatches.isEmpty {
                throw ConnectorHostError(
                    .pluginError, "the answer does not match the response schema of \(operation) (\(mismatches.count) mismatch\(mismatches.count == 1 ? "" : "es"))"
                )
            }
        }
    }

    static func split(_ pair: String) -> (String, String) {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
    }

    static func setting(_ pair: String, sensitive: Bool) -> SessionSetting {
        let (name, value) = split(pair)
        return SessionSetting(key: name, value: value, sensitive: sensitive)
    }

    /// Text from the command line as the parameter's type; left as text when
    /// it is not one, so that the document's check names the mismatch.
    static func value(_ text: String, as kind: ConnectorDocument.Parameter.ValueKind) -> JSONValue {
        switch kind {
        case .string: .string(text)
        case .integer: Int64(text).map(JSONValue.integer) ?? .string(text)
        case .number: Int64(text).map(JSONValue.integer) ?? Double(text).map(JSONValue.number) ?? .string(text)
        case .boolean: text == "true" ? .bool(true) : text == "false" ? .bool(false) : .string(text)
        }
    }

    static func show(_ result: OperationTestResult) {
        if let request = result.request {
            print("\(request.method) \(request.url)")
            for name in request.headers.keys.sorted() { print("\(name): \(request.headers[name] ?? "")") }
            if let body = request.body { print("\n" + String(decoding: body.bytes, as: UTF8.self)) }
        }
        print("")
        if let status = result.status {
            print("→ \(status) in \(String(format: "%.3f", result.seconds)) s")
            for name in result.headers.keys.sorted() { print("\(name): \(result.headers[name] ?? "")") }
            if let body = result.body {
                print("")
                JSONOutput.printDocument(body.bytes)
            }
        }
        if let mismatches = result.schemaMismatches {
            print("")
            print(mismatches.isEmpty ? "schema: the answer matches" : "schema: \(mismatches.count) mismatch\(mismatches.count == 1 ? "" : "es")")
            for mismatch in mismatches { print("  \(mismatch)") }
        }
    }
}

/// `connector-host http import openapi.yaml`.
struct HTTPImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Draft a connector document from an OpenAPI 3.0 or 3.1 description.",
        discussion: """
            Operations come from paths and methods (named after their operationId), parameters with their \
            location, type, required and default (a JSON request body's properties become body parameters), auth \
            from securitySchemes, response schemas from each 2xx JSON response. What cannot be carried over is \
            said on stderr, and so is what must be fixed before the draft serves.

            Example:
              connector-host http import openapi.yaml --output api.connector.yaml
            """
    )

    @Argument(help: "The OpenAPI description, YAML or JSON.")
    var file: String

    @Option(help: ArgumentHelp("Where to write the draft (default: standard output).", valueName: "file"))
    var output: String?

    func run() async throws {
        try await reportingFailure { () throws(ConnectorHostError) in
            let draft = try OpenAPIImport.draft(fromFileAt: file)
            if let output {
                do {
                    try Data(draft.yaml.utf8).write(to: URL(fileURLWithPath: output))
                } catch {
                    throw ConnectorHostError(.invalidRequest, "cannot write \(output): \(error.localizedDescription)")
                }
            } else {
                print(draft.yaml, terminator: draft.yaml.hasSuffix("\n") ? "" : "\n")
            }
            for note in draft.notes { printToStandardError("note: \(note)") }
            for problem in draft.problems { printToStandardError("to fix before it serves: \(problem)") }
        }
    }
}
