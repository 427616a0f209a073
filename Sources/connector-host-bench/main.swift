// connector-host-bench: `make bench`. Measures, in one run, the cost of a call
// (a) straight through the plugin's function pointer, (b) through the
// in-process runtime with the full policy, (c) through a sandbox worker, and
// (d) of a raw C echo between two processes over a socketpair with the same
// payload — the floor for (c) — then 16 concurrent callers on one sandboxed
// plugin, then hot reload under load: the time from a new build's rename into
// the watched directory to the first call its worker answers, and the calls
// that failed meanwhile; and, given a local HTTP server and a plain libcurl
// client, a declarative connector's GET through the host beside the same GET
// from the client on a kept-alive connection. Prints a table and the ratios
// the targets are stated in.
import ConnectorHost
import ConnectorHostABI
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data(
        "usage: connector-host-bench ECHO_PLUGIN.so RAW_ECHO_BINARY [PAYLOAD_BYTES [ECHO_PLUGIN_V2.so [HTTP_SERVER CURL_CLIENT]]]\n".utf8
    ))
    exit(64)
}
let pluginPath = arguments[1]
let rawEcho = arguments[2]
let payloadSize = arguments.count > 3 ? Int(arguments[3]) ?? 256 : 256
let secondBuildPath = arguments.count > 4 ? arguments[4] : nil
let httpServer = arguments.count > 6 ? arguments[5] : nil
let curlClient = arguments.count > 6 ? arguments[6] : nil
let payload = Array(("{\"data\":\"" + String(repeating: "x", count: max(0, payloadSize - 12)) + "\"}").utf8)
// BENCH_SCALE=N divides every call count by N (for slow tools such as callgrind).
let scale = max(1, Int(ProcessInfo.processInfo.environment["BENCH_SCALE"] ?? "1") ?? 1)
let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }

struct Measurement {
    var name: String
    var medianNanoseconds: Double
    var p99Nanoseconds: Double
    var callsPerSecond: Double
}

/// Times `count` calls: `batch` calls per sample (for calls too short to time
/// singly), each sample one call of `run`, which makes `batch` calls, so that
/// the harness adds nothing per call.
func measure(_ name: String, count: Int, batch: Int = 1, _ run: (Int) async throws -> Void) async rethrows -> Measurement {
    let count = max(batch * 10, count / scale)
    try await run(min(count / 10, 2000))
    var samples: [Double] = []
    samples.reserveCapacity(count / batch)
    let started = MonotonicTime.now
    for _ in 0..<(count / batch) {
        let before = MonotonicTime.now
        try await run(batch)
        samples.append(Double(MonotonicTime.now - before) / Double(batch))
    }
    return Measurement(name: name, samples: samples, calls: samples.count * batch, since: started)
}

extension Measurement {
    /// The median and p99 of per-call samples (ns), and the rate of `calls` since `started`.
    init(name: String, samples: [Double], calls: Int, since started: UInt64) {
        let elapsed = Double(MonotonicTime.now - started) / 1e9
        let sorted = samples.sorted()
        self.init(
            name: name, medianNanoseconds: sorted[sorted.count / 2], p99Nanoseconds: sorted[sorted.count * 99 / 100],
            callsPerSecond: Double(calls) / elapsed
        )
    }
}

enum MonotonicTime {
    static var now: UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

func policy() -> ResilienceOverrides {
    var overrides = ResilienceOverrides()
    overrides.rateLimitPerMinute = 100_000_000
    overrides.maxConcurrentCalls = 64
    return overrides
}

/// Runs `body` with the echo connector and a session of it, while its host runs.
func withHost<Value: Sendable>(
    trusted: Bool, directory: String, _ body: (Connector, SessionID) async throws -> Value
) async throws -> Value {
    var configuration = HostConfiguration(pluginDirectory: directory)
    configuration.resilience = policy()
    // As `serve` runs: (c) is measured with the lone call's spin.
    configuration.sandbox.loneCallSpin = SandboxSettings.recommendedLoneCallSpin
    if trusted { configuration.trustedPlugins = ["echo"] }
    let host = try await ConnectorHost.start(configuration: configuration, logger: logger)
    return try await host.whileRunning { () async throws -> Value in
        let connector = try host.connector(named: "echo")
        let session = try await connector.openSession([])
        return try await body(connector, session)
    }
}

/// Calls `server.info` of the echo plugin straight through its function
/// pointer: `body` gets a call that answers the response's length.
func withDirectServerInfo<T>(_ body: (() -> Int) -> T) throws -> T {
    guard let handle = dlopen(pluginPath, RTLD_NOW | RTLD_LOCAL), let entry = dlsym(handle, CH_PLUGIN_ENTRY_SYMBOL) else {
        throw ConnectorHostError(.abiMismatch, "cannot load \(pluginPath)")
    }
    var api = ch_host_api()
    api.struct_size = UInt32(MemoryLayout<ch_host_api>.size)
    api.abi_version = CH_ABI_VERSION
    api.allocate = { malloc($0) }
    api.release = { free($0) }
    let descriptor = unsafeBitCast(entry, to: ch_plugin_entry_fn.self)(&api)
    guard let function = descriptor?.pointee.functions[3].operation else {
        throw ConnectorHostError(.abiMismatch, "no server.info in \(pluginPath)")
    }
    var session = ch_session()
    return payload.withUnsafeBufferPointer { bytes in
        "server.info".withCString { name in
            var request = ch_request(
                struct_size: UInt32(MemoryLayout<ch_request>.size), reserved: 0, operation: name,
                body: bytes.baseAddress, body_length: bytes.count, call: nil
            )
            return body {
                var response = ch_response()
                _ = function(&session, &request, &response)
                free(response.body)
                return response.body_length
            }
        }
    }
}

// (a) The function pointer, called directly.
func direct() throws -> Measurement {
    try withDirectServerInfo { call in
        var sink = 0
        let result = runSynchronously("(a) direct function pointer", count: 2_000_000, batch: 1000) { sink &+= call() }
        precondition(sink > 0)
        return result
    }
}

func runSynchronously(_ name: String, count: Int, batch: Int, _ call: () -> Void) -> Measurement {
    for _ in 0..<(count / 10) { call() }
    var samples: [Double] = []
    let started = MonotonicTime.now
    for _ in 0..<(count / batch) {
        let before = MonotonicTime.now
        for _ in 0..<batch { call() }
        samples.append(Double(MonotonicTime.now - before) / Double(batch))
    }
    return Measurement(name: name, samples: samples, calls: count, since: started)
}

func raw() throws -> Measurement {
    try measureProgram(rawEcho, ["30000", String(payload.count)], as: "(d) raw C echo, socketpair")
}

/// Runs a C measuring program of Benchmarks/, which prints its median, p99 and rate as JSON.
func measureProgram(_ path: String, _ arguments: [String], as name: String) throws -> Measurement {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Double],
        let median = object["median_ns"], let p99 = object["p99_ns"], let rate = object["calls_per_second"]
    else { throw ConnectorHostError(.pluginError, "\(path) printed \(String(decoding: data, as: UTF8.self))") }
    return Measurement(name: name, medianNanoseconds: median, p99Nanoseconds: p99, callsPerSecond: rate)
}

func concurrent(_ connector: Connector, _ session: SessionID, callers: Int, callsEach: Int) async throws -> Double {
    let started = MonotonicTime.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<callers {
            group.addTask {
                for _ in 0..<callsEach { _ = try await connector.call(.serverInfo, request: payload, session: session) }
            }
        }
        try await group.waitForAll()
    }
    return Double(callers * callsEach) / (Double(MonotonicTime.now - started) / 1e9)
}

// The measuring functions are nonisolated: a closure written in top-level code
// would belong to the main actor and hop to it on every call.
func measureInProcess(directory: String) async throws -> Measurement {
    try await withHost(trusted: true, directory: directory) { connector, session in
        try await measure("(b) in-process runtime + policy", count: 1_000_000, batch: 1000) { calls in
            for _ in 0..<calls { _ = try await connector.call(.serverInfo, request: payload, session: session) }
        }
    }
}

/// Makes `times` calls of (b), untimed: for an instruction counter.
func callInProcess(directory: String, times: Int) async throws {
    try await withHost(trusted: true, directory: directory) { connector, session in
        for _ in 0..<times { _ = try await connector.call(.serverInfo, request: payload, session: session) }
    }
}

/// (c) and (c16), then the same with the callers preferring the worker's
/// reply thread (`Connector.replyExecutor`): (c′) and (c16′).
func measureSandbox(directory: String) async throws -> (single: Measurement, concurrent: Double, onReplyThread: Measurement, concurrentOnReplyThread: Double) {
    try await withHost(trusted: false, directory: directory) { connector, session in
    let single = try await measure("(c) sandbox worker", count: 30_000) { calls in
        for _ in 0..<calls { _ = try await connector.call(.serverInfo, request: payload, session: session) }
    }
    let concurrentRate = try await concurrent(connector, session, callers: 16, callsEach: max(10, 4000 / scale))
    let executor = connector.replyExecutor
    let onReplyThread = try await withTaskExecutorPreference(executor) {
        try await measure("(c′) sandbox, caller on reply thread", count: 30_000) { calls in
            for _ in 0..<calls { _ = try await connector.call(.serverInfo, request: payload, session: session) }
        }
    }
    let concurrentOnReplyThread = try await withTaskExecutorPreference(executor) {
        try await concurrent(connector, session, callers: 16, callsEach: max(10, 4000 / scale))
    }
    return (single, concurrentRate, onReplyThread, concurrentOnReplyThread)
    }
}

struct ReloadMeasurement {
    var medianMilliseconds: Double
    var maxMilliseconds: Double
    var swaps: Int
    var calls: Int
    var failures: Int
    var failureKinds: [String: Int]
}

/// Callers that call without pause, counting failures and noting when each
/// version first answered.
final class ReloadLoad: Sendable {
    let running = Atomic<Bool>(true)
    let calls = Atomic<Int>(0)
    let failures = Atomic<Int>(0)
    /// The first time each version answered a call, in monotonic nanoseconds.
    private let firstAnswered = Mutex<[String: UInt64]>([:])
    /// Each failure's error, with how often it came.
    let failureKinds = Mutex<[String: Int]>([:])

    func call(_ connector: Connector) async {
        while running.load(ordering: .relaxed) {
            do {
                let body = try await connector.call(.entityGet, credentials: [])
                let version = (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: String])?["version"] ?? "?"
                let now = MonotonicTime.now
                firstAnswered.withLock { if $0[version] == nil { $0[version] = now } }
                calls.add(1, ordering: .relaxed)
            } catch {
                failures.add(1, ordering: .relaxed)
                failureKinds.withLock { $0["\(error)", default: 0] += 1 }
            }
        }
    }

    func forget(_ version: String) { firstAnswered.withLock { $0[version] = nil } }

    func firstAnswer(of version: String) -> UInt64? { firstAnswered.withLock { $0[version] } }
}

/// Renames the two builds into the watched directory in turn, `swaps` times,
/// while 4 callers call without pause; times each rename to the first call the
/// new build answers.
func measureReload(directory: String, builds: [String: String], swaps: Int) async throws -> ReloadMeasurement {
    let watched = URL(fileURLWithPath: directory).appendingPathComponent("reload")
    try? FileManager.default.removeItem(at: watched)
    try FileManager.default.createDirectory(at: watched, withIntermediateDirectories: true)
    let target = watched.appendingPathComponent("echo.so").path
    try FileManager.default.copyItem(atPath: pluginPath, toPath: target)
    var configuration = HostConfiguration(pluginDirectory: watched.path)
    configuration.resilience = policy()
    configuration.buildsDirectory = watched.appendingPathComponent(".builds").path
    configuration.watchesPluginDirectory = true
    let host = try await ConnectorHost.start(configuration: configuration, logger: logger)
    return try await host.whileRunning { () async throws -> ReloadMeasurement in
    let connector = try host.connector(named: "echo")
    let load = ReloadLoad()
    let callers = (0..<4).map { _ in Task { await load.call(connector) } }
    var latencies: [Double] = []
    let order = builds.keys.sorted()
    for swap in 0..<swaps {
        // Alternating builds reuse the same two files: each swap is timed as a
        // new version seen after the rename.
        let version = order[(swap + 1) % order.count]
        guard let source = builds[version] else { continue }
        load.forget(version)
        let partial = watched.appendingPathComponent(".echo.so.partial").path
        try? FileManager.default.removeItem(atPath: partial)
        try FileManager.default.copyItem(atPath: source, toPath: partial)
        let renamed = MonotonicTime.now
        guard rename(partial, target) == 0 else { throw ConnectorHostError(.unavailable, "rename failed: \(errno)") }
        let deadline = renamed + 10_000_000_000
        while load.firstAnswer(of: version) == nil, MonotonicTime.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        guard let answered = load.firstAnswer(of: version) else {
            throw ConnectorHostError(.unavailable, "version \(version) never answered after its rename")
        }
        latencies.append(Double(answered - renamed) / 1e6)
        // Let the old build drain and stop before the next swap.
        try await Task.sleep(for: .milliseconds(300))
    }
    load.running.store(false, ordering: .relaxed)
    for caller in callers { await caller.value }
    latencies.sort()
    return ReloadMeasurement(
        medianMilliseconds: latencies[latencies.count / 2], maxMilliseconds: latencies.last ?? 0, swaps: swaps,
        calls: load.calls.load(ordering: .relaxed), failures: load.failures.load(ordering: .relaxed),
        failureKinds: load.failureKinds.withLock { $0 }
    )
    }
}

/// A program that prints a port on its first line and serves until its standard input closes.
final class LocalServer {
    let port: Int
    private let process = Process()
    private let input = Pipe()

    init(_ path: String) throws {
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: path)
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var seen = Data()
        while !seen.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw ConnectorHostError(.unavailable, "\(path) printed no port") }
            seen.append(chunk)
        }
        guard let port = Int(String(decoding: seen, as: UTF8.self).prefix { $0 != "\n" }) else {
            throw ConnectorHostError(.unavailable, "\(path) printed no port")
        }
        self.port = port
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

/// (h) A declarative connector's GET through the host (its sandbox worker,
/// libcurl, the egress proxy), (i) the same in process, and (l) the same GET
/// from a plain libcurl client on one kept-alive connection, all to one local
/// HTTP server.
func measureDeclarative(
    directory: String, server path: String, client: String
) async throws -> (host: Measurement, inProcess: Measurement, curl: Measurement) {
    let server = try LocalServer(path)
    defer { server.stop() }
    let plugins = URL(fileURLWithPath: directory).appendingPathComponent("declarative")
    try? FileManager.default.removeItem(at: plugins)
    try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
    try Data("""
        name: ping
        base_url: http://127.0.0.1:\(server.port)
        auth_type: none
        operations:
          - {name: ping, method: GET, path: /ping}
        """.utf8).write(to: plugins.appendingPathComponent("ping.connector.yaml"))
    func measureHost(_ name: String, trusted: Bool) async throws -> Measurement {
        var configuration = HostConfiguration(pluginDirectory: plugins.path)
        configuration.resilience = policy()
        if trusted { configuration.trustedPlugins = ["ping"] }
        let host = try await ConnectorHost.start(configuration: configuration, logger: logger)
        return try await host.whileRunning { () async throws -> Measurement in
            let connector = try host.connector(named: "ping")
            let parameters = Array("{}".utf8)
            return try await measure(name, count: 20_000) { calls in
                for _ in 0..<calls { _ = try await connector.callFunction(.name("ping"), arguments: parameters) }
            }
        }
    }
    let declarative = try await measureHost("(h) declarative GET, sandbox", trusted: false)
    let inProcess = try await measureHost("(i) declarative GET, in-process", trusted: true)
    let curl = try measureProgram(
        client, ["http://127.0.0.1:\(server.port)/ping", String(max(100, 20_000 / scale))], as: "(l) plain libcurl GET, kept alive"
    )
    return (declarative, inProcess, curl)
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("connector-host-bench-\(getpid())")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
try? FileManager.default.removeItem(at: directory.appendingPathComponent("echo.so"))
try FileManager.default.copyItem(atPath: pluginPath, toPath: directory.appendingPathComponent("echo.so").path)
defer { try? FileManager.default.removeItem(at: directory) }

// BENCH_ONLY=in-process, sandbox, reload, declarative, scale or rest runs one path alone, for a profiler.
let environment = ProcessInfo.processInfo.environment
switch environment["BENCH_ONLY"] {
case "in-process":
    print(try await measureInProcess(directory: directory.path))
    exit(0)
case "sandbox":
    print(try await measureSandbox(directory: directory.path))
    exit(0)
case "reload":
    if let secondBuildPath {
        print(try await measureReload(directory: directory.path, builds: ["1.0.0": pluginPath, "2.0.0": secondBuildPath], swaps: 11))
    }
    exit(0)
case "declarative":
    if let httpServer, let curlClient {
        let (host, inProcess, curl) = try await measureDeclarative(directory: directory.path, server: httpServer, client: curlClient)
        [host, inProcess, curl].forEach { print($0) }
    }
    exit(0)
case "instructions-a", "instructions-b":
    // `make bench-instructions` counts the instructions of two runs with
    // different call counts; their difference per call is what one call costs.
    let calls = Int(environment["BENCH_CALLS"] ?? "") ?? 10_000
    if environment["BENCH_ONLY"] == "instructions-a" {
        try withDirectServerInfo { call in
            var sink = 0
            for _ in 0..<calls { sink &+= call() }
            precondition(sink > 0)
        }
    } else {
        try await callInProcess(directory: directory.path, times: calls)
    }
    exit(0)
case "scale":
    try await ScaleBench.measureAndPrint(benchPlugin: pluginPath)
    exit(0)
case "rest":
    try runRESTBench(pluginPath: pluginPath, directory: directory)
    exit(0)
default:
    break
}
print("payload: \(payload.count) bytes; machine: \(ProcessInfo.processInfo.activeProcessorCount) cores")
let a = try direct()
let b = try await measureInProcess(directory: directory.path)
let d = try raw()
let (c, c16, cOnReplyThread, c16OnReplyThread) = try await measureSandbox(directory: directory.path)
var reload: ReloadMeasurement?
if let secondBuildPath {
    reload = try await measureReload(
        directory: directory.path, builds: ["1.0.0": pluginPath, "2.0.0": secondBuildPath], swaps: max(3, 11 / scale)
    )
}
var declarative: (host: Measurement, inProcess: Measurement, curl: Measurement)?
if let httpServer, let curlClient {
    declarative = try await measureDeclarative(directory: directory.path, server: httpServer, client: curlClient)
}
// The peers, when the Makefile names their programs.
let grpc = try environment["BENCH_GRPC_ECHO"].map(measureGRPC)
var nginx: PeerMeasurement?
if let nginxPath = environment["BENCH_NGINX"], let wrkPath = environment["BENCH_WRK"] {
    nginx = try measureNginx(nginx: nginxPath, wrk: wrkPath, directory: directory.path)
}

func format(_ nanoseconds: Double) -> String {
    nanoseconds < 10_000 ? String(format: "%.0f ns", nanoseconds) : String(format: "%.1f µs", nanoseconds / 1000)
}
print("")
print("path                                  median      p99         calls/s")
let peerRows = [grpc, nginx].compactMap { $0?.single }
for row in [a, b, c, cOnReplyThread, d] + (declarative.map { [$0.host, $0.inProcess, $0.curl] } ?? []) + peerRows {
    print(row.name.padding(toLength: 38, withPad: " ", startingAt: 0)
        + format(row.medianNanoseconds).padding(toLength: 12, withPad: " ", startingAt: 0)
        + format(row.p99Nanoseconds).padding(toLength: 12, withPad: " ", startingAt: 0)
        + String(format: "%.0f", row.callsPerSecond))
}
print("(c16) sandbox, 16 concurrent callers                          " + String(format: "%.0f", c16))
print("(c16′) sandbox, 16 callers on the reply thread                 " + String(format: "%.0f", c16OnReplyThread))
if let grpc { print("(e16) gRPC, 16 callers                                        " + String(format: "%.0f", grpc.concurrentCallsPerSecond)) }
if let nginx { print("(f16) nginx, 16 connections                                   " + String(format: "%.0f", nginx.concurrentCallsPerSecond)) }
print("")
print(String(format: "b - a (host overhead per call): %.0f ns   (target < 1000 ns)", b.medianNanoseconds - a.medianNanoseconds))
print(String(format: "c / d (sandbox vs raw echo, median): %.2f   (target < 1.5)", c.medianNanoseconds / d.medianNanoseconds))
print(String(format: "c16 / d (16 callers vs one-caller raw echo, throughput): %.2f   (target >= 1.5)", c16 / d.callsPerSecond))
print(String(format: "c′ / d (caller on the reply thread vs raw echo, median): %.2f", cOnReplyThread.medianNanoseconds / d.medianNanoseconds))
print(String(format: "c16′ / d (16 callers on the reply thread, throughput): %.2f", c16OnReplyThread / d.callsPerSecond))
if let reload {
    print(String(
        format: "reload (rename → first call on the new build): median %.1f ms, max %.1f ms over %d swaps   (target < 200 ms)",
        reload.medianMilliseconds, reload.maxMilliseconds, reload.swaps
    ))
    print("reload: failed calls during the swaps: \(reload.failures) of \(reload.calls)   (target 0)")
    for (error, count) in reload.failureKinds.sorted(by: { $0.value > $1.value }) { print("  \(count) × \(error)") }
}
if let declarative {
    print(String(
        format: "h - l (declarative GET: added by the host, median): %.1f µs   (target < 100 µs)",
        (declarative.host.medianNanoseconds - declarative.curl.medianNanoseconds) / 1000
    ))
}
for (label, peer) in [("e", grpc), ("f", nginx)] {
    guard let peer else { continue }
    print(String(
        format: "\(label) / c (peer vs sandbox, median, one caller): %.2f   (target >= 2)", peer.single.medianNanoseconds / c.medianNanoseconds
    ))
    print(String(
        format: "c16 / \(label)16 (sandbox vs peer, throughput, 16 callers): %.2f   (target >= \(label == "e" ? "5" : "1.5"))",
        c16 / peer.concurrentCallsPerSecond
    ))
}
try await ScaleBench.measureAndPrint(benchPlugin: pluginPath)
try runRESTBench(pluginPath: pluginPath, directory: directory)
