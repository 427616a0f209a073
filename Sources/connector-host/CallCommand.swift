import ArgumentParser
import ConnectorHost
import Foundation

struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call one operation (in a session of its own) or one custom function; print the JSON result.",
        discussion: """
            OPERATION is a standard operation name (e.g. server.info, entity.list). metadata.get runs without \
            a session. The plugin runs in a sandbox worker process under its resilience policy (timeout, \
            retries, rate limit, bulkhead, circuit breaker); --in-process loads it into this process instead. The session configuration is built from --setting and --sensitive-setting pairs, sent \
            to session.open as [{"key", "value", "sensitive"}]; sensitive values are never logged.

            With --function ID|NAME instead of an operation, calls a custom function the plugin declares \
            (inspect lists them with their C signatures), with --args as a JSON array. A function that takes \
            its context (ch_function_context *) runs in the session of --setting like an operation; a plain \
            C function takes no settings, and refuses them rather than drop them.

            Examples:
              connector-host call --plugins build/plugins tracker entity.list \\
                --setting database=data/tracker.sqlite --request '{"entityTypeId":"bug","startIndex":0,"maxResults":10}'
              connector-host call --plugins build/plugins tracker --function checksum --args '["hello"]'
            """
    )

    @OptionGroup var directory: PluginDirectoryOptions

    @Argument(help: "The connector's name, as `list` shows it.")
    var connector: String

    @Argument(help: "The standard operation to call (or use --function).")
    var operation: String?

    @Option(help: ArgumentHelp("A custom function to call, by entity ID or name.", valueName: "id|name"))
    var function: String?

    @Option(help: ArgumentHelp("The custom function's arguments, a JSON array.", valueName: "json"))
    var args: String = "[]"

    @Option(help: ArgumentHelp("The request JSON, or @FILE to read it from a file.", valueName: "json|@file"))
    var request: String?

    @OptionGroup var session: SessionSettingOptions

    @Flag(
        name: .customLong("in-process"),
        help: "Load the plugin into this process instead of a sandbox worker: no process boundary, the same policy."
    )
    var inProcess = false

    @OptionGroup var sandbox: SandboxOptions

    @OptionGroup var signing: SigningOptions

    @OptionGroup var scanCache: ScanCacheOptions

    @OptionGroup var common: CommonOptions

    func validate() throws {
        switch (operation, function) {
        case (nil, nil):
            throw ValidationError("name an operation, or a custom function with --function")
        case (.some, .some):
            throw ValidationError("name either an operation or --function, not both")
        case (let name?, nil):
            if StandardOperation(rawValue: name) == .sessionClose {
                throw ValidationError("session.close is called for you after the operation; call another operation")
            }
        case (nil, .some):
            break
        }
    }

    /// The operation named, or `not_found` (exit 3) listing the ones there are.
    private func standardOperation(_ name: String) throws(ConnectorHostError) -> StandardOperation {
        guard let operation = StandardOperation(rawValue: name) else {
            throw ConnectorHostError(
                .notFound,
                "'\(name)' is not a standard operation; use one of: "
                    + StandardOperation.allCases.map(\.rawValue).joined(separator: ", ")
            )
        }
        return operation
    }

    func run() async throws {
        try await reportingFailure { () throws(ConnectorHostError) in
            let body = try readRequest()
            let operation = try self.operation.map(standardOperation)
            var configuration = HostConfiguration(pluginDirectory: directory.directory)
            configuration.sandbox = sandbox.applied(to: configuration.sandbox)
            configuration.pluginSandbox = sandbox.pluginSandboxes(base: configuration.sandbox)
            signing.apply(to: &configuration)
            if inProcess { configuration.trustedPlugins = [connector] }
            configuration.scanCache = scanCache.scanCache
            let host = try await ConnectorHost.start(configuration: configuration, logger: common.makeLogger(defaultLevel: .error))
            // Workers start while the host runs; it shuts down once the call is answered.
            try await host.whileRunning { () async throws(ConnectorHostError) in
                let connector = try host.connector(named: connector)
                let settings = self.session.sessionSettings
                // The path the REST server and the Swift API take: pooled
                // sessions, page caps, history checks, reopen-once; the host
                // closes the session when it shuts down.
                if let function {
                    let result = try await connector.callFunction(
                        FunctionReference(function), arguments: Array(args.utf8), credentials: settings
                    )
                    JSONOutput.printDocument(result.json)
                    return
                }
                guard let operation else { return }
                let response = try await connector.call(operation, request: body, credentials: settings)
                JSONOutput.printDocument(response)
            }
        }
    }

    private func readRequest() throws(ConnectorHostError) -> [UInt8] {
        guard let request else { return [] }
        guard request.hasPrefix("@") else { return Array(request.utf8) }
        let path = String(request.dropFirst())
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConnectorHostError(.invalidRequest, "cannot read the request file \(path)")
        }
        return Array(data)
    }
}
