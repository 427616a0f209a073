// A Swift service that hosts connectors: a Hummingbird app and the host in one
// ServiceGroup, with the service's own logger and metrics backend. The
// README's embedding section is made of this file, and EmbeddingExampleTests
// runs it.
//
//     swift build --product connector-host-example --product connector-host-worker
//     .build/debug/connector-host-example --plugins build/plugins --data-directory data/plugin-data
import ConnectorHost
import ConnectorHostServer
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

@main
struct ExampleService {
    static func main() async throws {
        let options = try Options(CommandLine.arguments.dropFirst())
        var logger = Logger(label: "example")
        logger.logLevel = .info
        let metrics = PrometheusCollectorRegistry()

        var configuration = HostConfiguration(pluginDirectory: options.plugins)
        // The backend is the service's, injected: nothing process-wide is bootstrapped.
        configuration.metricsFactory = PrometheusMetricsFactory(registry: metrics)
        configuration.watchesPluginDirectory = true
        configuration.sandbox.dataDirectory = options.dataDirectory
        // Fails here, naming where it looked, when the worker executable is missing.
        let host = try await ConnectorHost.start(configuration: configuration, logger: logger)

        let router = Router()
        // One route calling a connector: its server.info, in the session of the
        // settings passed as query parameters (?database=tracker.sqlite).
        router.get("connectors/:name/server-info") { request, context -> Response in
            let name = try context.parameters.require("name")
            let credentials = request.uri.queryParameters.map { SessionSetting(key: String($0.key), value: String($0.value)) }
            do throws(ConnectorHostError) {
                let info = try await host.connector(named: name).api(credentials: credentials).serverInfo()
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: info.bytes))
                )
            } catch {
                // The status the host's own REST server answers with (ConnectorHostServer's table).
                throw HTTPError(error.code.httpStatus, message: "\(error.code): \(error.message)")
            }
        }
        router.get("metrics") { _, _ -> String in
            host.recordStatusMetrics()
            return metrics.emitToString()
        }

        let application = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: options.port)),
            onServerRunning: { channel in
                let line = "listening on http://127.0.0.1:\(channel.localAddress?.port ?? options.port)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            },
            logger: logger
        )
        // The host first: a group stops its services last to first, so the app
        // finishes its requests while the host still serves them.
        let group = ServiceGroup(
            configuration: .init(services: [host, application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
    }
}

/// `--plugins DIR [--data-directory DIR] [--port N]`.
struct Options {
    var plugins = "build/plugins"
    var dataDirectory = FileManager.default.currentDirectoryPath + "/data/plugin-data"
    var port = 8090

    init(_ arguments: ArraySlice<String>) throws {
        var arguments = arguments
        while let option = arguments.popFirst() {
            guard let value = arguments.popFirst() else { throw Usage("\(option) needs a value") }
            switch option {
            case "--plugins": plugins = value
            case "--data-directory": dataDirectory = URL(fileURLWithPath: value).standardizedFileURL.path
            case "--port":
                guard let number = Int(value), (0...65535).contains(number) else { throw Usage("--port takes 0...65535") }
                port = number
            default: throw Usage("unknown option \(option)")
            }
        }
    }

    struct Usage: Error, CustomStringConvertible {
        let description: String
        init(_ problem: String) {
            description = "\(problem); usage: connector-host-example --plugins DIR [--data-directory DIR] [--port N]"
        }
    }
}
