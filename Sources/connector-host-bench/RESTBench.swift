// The REST rows of `make bench`: `connector-host serve` (the release build
// beside this program) serving the echo plugin, with a configuration file that
// sets no rate limit to speak of, driven by wrk on loopback: `GET /healthz`,
// then the OpsHub SDK route `server-info` on the same server, at 1 and 16
// connections. What a REST call adds to a sandboxed call shows in the ratio
// of the two throughputs at 16 connections.
import ConnectorHost
import ConnectorHostRegistry
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs the REST rows and prints them with the ratio beside its target; says
/// why and prints nothing else when wrk or the server binary is missing.
func runRESTBench(pluginPath: String, directory: URL) throws {
    let server = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("connector-host").path
    guard FileManager.default.isExecutableFile(atPath: server) else {
        print("REST: skipped, no \(server) (swift build -c release --product connector-host)")
        return
    }
    guard let wrk = executableInPath("wrk") else {
        print("REST: skipped, wrk is not installed (apt-get install wrk)")
        return
    }
    let runs = try measureREST(server: server, wrk: wrk, pluginPath: pluginPath, directory: directory)
    print("")
    print("REST (wrk on loopback, one server)    median      p99         requests/s")
    for run in runs.all {
        print(run.name.padding(toLength: 38, withPad: " ", startingAt: 0)
            + String(format: "%.1f µs", run.medianNanoseconds / 1000).padding(toLength: 12, withPad: " ", startingAt: 0)
            + String(format: "%.1f µs", run.p99Nanoseconds / 1000).padding(toLength: 12, withPad: " ", startingAt: 0)
            + String(format: "%.0f", run.callsPerSecond))
    }
    print(String(
        format: "REST SDK route / /healthz, throughput at 16 connections: %.2f   (target >= 0.75)",
        runs.sdk16.callsPerSecond / runs.healthz16.callsPerSecond
    ))
}

struct RESTRuns {
    var healthz1: Measurement
    var sdk1: Measurement
    var healthz16: Measurement
    var sdk16: Measurement

    var all: [Measurement] { [healthz1, sdk1, healthz16, sdk16] }
}

func measureREST(server: String, wrk: String, pluginPath: String, directory: URL) throws -> RESTRuns {
    let root = directory.appendingPathComponent("rest")
    try? FileManager.default.removeItem(at: root)
    let plugins = root.appendingPathComponent("plugins")
    try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: pluginPath, toPath: plugins.appendingPathComponent("echo.so").path)
    // The operator's policy, not a plugin built for the bench: calls are
    // limited by nothing but the machine.
    let config = root.appendingPathComponent("serve.yaml")
    try Data("""
        plugins:
          echo:
            rate_limit_per_minute: 1000000000
            max_concurrent_calls: 64
            warm: true
        """.utf8).write(to: config)
    let token = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    let output = root.appendingPathComponent("serve.out")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: server)
    process.arguments = [
        "serve", "--plugins", plugins.path, "--db", root.appendingPathComponent("registry.sqlite").path, "--dev",
        "--port", "0", "--config", config.path,
    ]
    process.environment = ProcessInfo.processInfo.environment.merging(["CONNECTOR_HOST_ADMIN_TOKEN": token]) { $1 }
    process.standardOutput = try FileHandle(forWritingTo: output)
    // The access log, a line per request as an operator runs the server.
    _ = FileManager.default.createFile(atPath: root.appendingPathComponent("serve.log").path, contents: nil)
    process.standardError = try FileHandle(forWritingTo: root.appendingPathComponent("serve.log"))
    try process.run()
    defer {
        process.terminate()
        process.waitUntilExit()
    }
    let base = try servingAddress(output, process: process)
    let sdk = "\(base)/connectors/echo/sdk-api/api/1.0/server-info"
    let header = "authToken: \(token)"
    // The worker is warm; the first calls open the session and fill caches.
    _ = try wrkRun(wrk, url: sdk, header: header, connections: 16, seconds: 1, name: "warm-up")
    let seconds = Int(ProcessInfo.processInfo.environment["BENCH_REST_SECONDS"] ?? "") ?? 3
    return RESTRuns(
        healthz1: try wrkRun(wrk, url: "\(base)/healthz", header: nil, connections: 1, seconds: seconds, name: "(r) GET /healthz, 1 connection"),
        sdk1: try wrkRun(wrk, url: sdk, header: header, connections: 1, seconds: seconds, name: "(s) SDK server-info, 1 connection"),
        healthz16: try wrkRun(wrk, url: "\(base)/healthz", header: nil, connections: 16, seconds: seconds, name: "(r16) GET /healthz, 16 connections"),
        sdk16: try wrkRun(wrk, url: sdk, header: header, connections: 16, seconds: seconds, name: "(s16) SDK server-info, 16 connections")
    )
}

/// The server's address, from its "serving … on http://HOST:PORT" line.
private func servingAddress(_ output: URL, process: Process) throws -> String {
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("serving ") }),
            let range = line.range(of: "http://")
        {
            return String(line[range.lowerBound...].prefix { $0 != " " })
        }
        guard process.isRunning else {
            throw ConnectorHostError(.unavailable, "connector-host serve exited: \(text)")
        }
        usleep(20_000)
    }
    throw ConnectorHostError(.unavailable, "connector-host serve did not start within 60 s")
}

/// One wrk run; a response other than 2xx makes the measurement worthless, and fails it.
private func wrkRun(
    _ wrk: String, url: String, header: String?, connections: Int, seconds: Int, name: String
) throws -> Measurement {
    let arguments = ["-t\(min(connections, 2))", "-c\(connections)", "-d\(seconds)s", "--latency"]
        + (header.map { ["-H", $0] } ?? []) + [url]
    return try runWrk(wrk, arguments, as: name)
}

private func executableInPath(_ name: String) -> String? {
    (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}
