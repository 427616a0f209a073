// The scale rows of `make bench` (issue 20): a thousand registered plugins on
// one host. `connector-host serve` started twice over them — the second time
// from the scan cache the first start filled — timed from the process's start
// to the first answer of /healthz; its proportional memory, host and workers,
// none called; the first call to an idle plugin, worker start included, and
// the private and proportional memory of each worker those calls started; and
// `connector-host list` of 200 unchanged plugins, run a second time.
//
// The plugins are copies of one build of Benchmarks/echo_plugin.c made with
// placeholders (ECHO_SCALE_TEMPLATE), each with a registration's name, key,
// secret and entity IDs written over them: a thousand compilations would take
// minutes on a shared machine.
import ConnectorHost
import ConnectorHostRegistry
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

enum ScaleBench {
    /// BENCH_SCALE=N divides the counts by N, as it divides the call counts.
    static let divisor = max(1, Int(ProcessInfo.processInfo.environment["BENCH_SCALE"] ?? "1") ?? 1)
    static let pluginCount = max(10, 1000 / divisor)
    static let listedCount = max(5, 200 / divisor)
    static let firstCallCount = max(5, 41 / divisor)
    static let listRuns = 5
    static let logger = Logger(label: "bench-scale") { _ in SwiftLogNoOpLogHandler() }

    /// What echo_plugin.c's ECHO_SCALE_TEMPLATE build holds in place of a
    /// registration's values, and the width each replacement must have.
    enum Placeholder {
        static let name = Array("scale-@@@@@@".utf8)
        static let key = Array(("@KEY" + String(repeating: "@", count: 32)).utf8)
        static let secret = Array(("@SECRET" + String(repeating: "@", count: 29)).utf8)
        static let endpointEntityId: Int64 = 7_700_000_000_001
        /// The endpoint, the 11 functions after it and the end of the range.
        static let entityIdOffsets: [Int64] = Array(0...11) + [99]
    }

    struct Figures {
        var coldStartSeconds: Double
        var warmStartSeconds: Double
        var memory: Result<(megabytes: Double, processes: Int), BenchFailure>
        var firstCallMilliseconds: [Double]
        var workerMemory: [WorkerMemory]
        var listMilliseconds: [Double]
    }

    struct BenchFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Measures and prints the scale rows; says why and returns when the
    /// template build or the `connector-host` binary is missing.
    static func measureAndPrint(benchPlugin: String) async throws {
        let benchDirectory = URL(fileURLWithPath: benchPlugin).deletingLastPathComponent()
        let template = benchDirectory.appendingPathComponent("scale-template.so").path
        let cli = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("connector-host").path
        guard FileManager.default.fileExists(atPath: template), FileManager.default.isExecutableFile(atPath: cli) else {
            print("scale rows skipped: \(template) or \(cli) is missing (make bench builds both)")
            return
        }
        let figures = try await measure(
            template: template, cli: cli, directory: benchDirectory.appendingPathComponent("scale")
        )
        printRows(figures)
    }

    static func measure(template: String, cli: String, directory: URL) async throws -> Figures {
        try? FileManager.default.removeItem(at: directory)
        let plugins = directory.appendingPathComponent("plugins")
        let listed = directory.appendingPathComponent("listed")
        for made in [plugins, listed] {
            try FileManager.default.createDirectory(at: made, withIntermediateDirectories: true)
        }
        let database = directory.appendingPathComponent("registry.sqlite").path
        try await makeRegisteredPlugins(template: template, database: database, into: plugins, count: pluginCount)
        let files = try FileManager.default.contentsOfDirectory(atPath: plugins.path).filter { $0.hasSuffix(".so") }.sorted()
        for file in files.prefix(listedCount) {
            try FileManager.default.copyItem(
                at: plugins.appendingPathComponent(file), to: listed.appendingPathComponent(file)
            )
        }

        // The first start scans every plugin in a worker and fills the cache.
        let cold = try ServeProcess(cli: cli, database: database, plugins: plugins.path, expecting: pluginCount)
        cold.stop()
        let warm = try ServeProcess(cli: cli, database: database, plugins: plugins.path, expecting: pluginCount)
        // Memory once the start's allocations have settled.
        try await Task.sleep(for: .seconds(1))
        let memory = proportionalMemory(ofTreeAt: warm.pid)
        warm.stop()

        let (firstCalls, workers) = try await firstCallMilliseconds(database: database, plugins: plugins.path, names: files)
        let cache = directory.appendingPathComponent("list-scan-cache.json").path
        _ = try runList(cli: cli, directory: listed.path, cache: cache)
        var listTimes: [Double] = []
        for _ in 0..<listRuns { listTimes.append(try runList(cli: cli, directory: listed.path, cache: cache)) }
        return Figures(
            coldStartSeconds: cold.secondsToHealthy, warmStartSeconds: warm.secondsToHealthy, memory: memory,
            firstCallMilliseconds: firstCalls, workerMemory: workers, listMilliseconds: listTimes
        )
    }

    static func printRows(_ figures: Figures) {
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        print("")
        print("scale: \(pluginCount) registered plugins (copies of the echo plugin), none called unless said")
        print(String(
            format: "serve, %d plugins, empty scan cache: /healthz answers after %.2f s   (no target: every plugin scanned in a worker)",
            pluginCount, figures.coldStartSeconds
        ))
        print(String(
            format: "serve, %d plugins, warm scan cache: /healthz answers after %.2f s   (target < 1 s)",
            pluginCount, figures.warmStartSeconds
        ))
        switch figures.memory {
        case .success(let memory):
            print(String(
                format: "serve, %d plugins, none called: proportional memory of host + workers %.0f MB in %d process(es)   (target < 300 MB)",
                pluginCount, memory.megabytes, memory.processes
            ))
        case .failure(let failure):
            print("serve, \(pluginCount) plugins, none called: proportional memory not measured: \(failure)")
        }
        let calls = figures.firstCallMilliseconds.sorted()
        print(String(
            format: "first call to an idle plugin, worker start included: median %.1f ms, p90 %.1f ms over %d plugins   (target < 30 ms)",
            median(calls), calls[calls.count * 9 / 10], calls.count
        ))
        if figures.workerMemory.isEmpty {
            print("memory per live worker: not measured (no worker's /proc/PID/smaps_rollup was readable)")
        } else {
            let privateMemory = figures.workerMemory.map { Double($0.privateKilobytes) / 1024 }
            let proportional = figures.workerMemory.map { Double($0.proportionalKilobytes) / 1024 }
            print(String(
                format: "memory per live worker (the worker process, its bubblewrap aside): private median %.2f MB, proportional median %.2f MB over %d workers   (no target)",
                median(privateMemory), median(proportional), figures.workerMemory.count
            ))
        }
        print(String(
            format: "list of %d unchanged plugins, second run: median %.0f ms over %d runs   (target < 100 ms)",
            listedCount, median(figures.listMilliseconds), figures.listMilliseconds.count
        ))
    }

    /// Registers `count` connectors in a new registry at `database`, and
    /// writes each one's copy of the template build into `directory`.
    static func makeRegisteredPlugins(template: String, database: String, into directory: URL, count: Int) async throws {
        guard let original = FileManager.default.contents(atPath: template) else {
            throw BenchFailure("cannot read \(template)")
        }
        let build = Array(original)
        let registry = try await Registry(path: database)
        _ = try await registry.createOrg(id: "bench", name: "Bench", by: .admin)
        for index in 1...count {
            let name = String(format: "scale-%06d", index)
            let new = try await registry.register(org: "bench", name: name, version: "1.0.0", by: .admin)
            var copy = build
            try replace(Placeholder.name, with: Array(name.utf8), in: &copy)
            try replace(Placeholder.key, with: Array(new.registration.key.utf8), in: &copy)
            try replace(Placeholder.secret, with: Array(new.secret.utf8), in: &copy)
            for offset in Placeholder.entityIdOffsets {
                try replace(
                    bytes(of: Placeholder.endpointEntityId + offset),
                    with: bytes(of: new.registration.endpointEntityId + offset), in: &copy
                )
            }
            try Data(copy).write(to: directory.appendingPathComponent("\(name).so"))
        }
    }

    private static func bytes(of value: Int64) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian, Array.init)
    }

    /// Writes `replacement` over every occurrence of `placeholder` (same width).
    private static func replace(_ placeholder: [UInt8], with replacement: [UInt8], in build: inout [UInt8]) throws {
        guard placeholder.count == replacement.count else {
            throw BenchFailure("a replacement of \(placeholder.count) bytes has \(replacement.count)")
        }
        var found = 0
        var index = 0
        while index + placeholder.count <= build.count {
            if build[index] == placeholder[0], build[index..<(index + placeholder.count)].elementsEqual(placeholder) {
                build.replaceSubrange(index..<(index + placeholder.count), with: replacement)
                found += 1
                index += placeholder.count
            } else {
                index += 1
            }
        }
        guard found > 0 else { throw BenchFailure("a placeholder is missing from the template build") }
    }

    /// The first call to each of `firstCallCount` plugins spread over the
    /// directory, in a host started from the registry's scan cache: each call
    /// starts its plugin's worker.
    /// Also the memory of each worker those calls started, read while they all still run.
    static func firstCallMilliseconds(
        database: String, plugins: String, names: [String]
    ) async throws -> (milliseconds: [Double], workers: [WorkerMemory]) {
        var configuration = HostConfiguration(pluginDirectory: plugins)
        configuration.scanCache = try await Registry(path: database)
        let host = try await ConnectorHost.start(configuration: configuration, logger: logger)
        return try await host.whileRunning { () async throws -> ([Double], [WorkerMemory]) in
            var samples: [Double] = []
            var workers: [WorkerMemory] = []
            let step = max(1, names.count / firstCallCount)
            let called = try stride(from: 0, to: names.count, by: step).prefix(firstCallCount).map {
                try host.connector(named: String(names[$0].dropLast(".so".count)))
            }
            for connector in called {
                let started = MonotonicTime.now
                _ = try await connector.call(.metadataGet, session: nil)
                samples.append(Double(MonotonicTime.now - started) / 1e6)
            }
            for connector in called {
                if let pid = connector.status.pid.flatMap(workerProcess(under:)), let memory = WorkerMemory(pid: pid) {
                    workers.append(memory)
                }
            }
            return (samples, workers)
        }
    }

    /// One worker process's memory, from /proc/PID/smaps_rollup, in kilobytes:
    /// what it alone holds (private), and its share of what it holds with
    /// the other workers and the host (proportional).
    struct WorkerMemory {
        var privateKilobytes: Int
        var proportionalKilobytes: Int

        init?(pid: Int32) {
            guard let rollup = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else { return nil }
            var fields: [String: Int] = [:]
            for line in rollup.split(separator: "\n") {
                let parts = line.split(separator: " ", omittingEmptySubsequences: true)
                if parts.count >= 2, let value = Int(parts[1]) { fields[String(parts[0])] = value }
            }
            guard let proportional = fields["Pss:"] else { return nil }
            privateKilobytes = (fields["Private_Clean:"] ?? 0) + (fields["Private_Dirty:"] ?? 0)
            proportionalKilobytes = proportional
        }
    }

    /// Runs `connector-host list` over `directory`; its duration in milliseconds.
    static func runList(cli: String, directory: String, cache: String) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: cli)
        process.arguments = ["list", "--plugins", directory, "--log-level", "error"]
        process.environment = ProcessInfo.processInfo.environment.merging(["CONNECTOR_HOST_SCAN_CACHE": cache]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        let started = MonotonicTime.now
        try process.run()
        process.waitUntilExit()
        let elapsed = Double(MonotonicTime.now - started) / 1e6
        guard process.terminationStatus == 0 else { throw BenchFailure("connector-host list exited \(process.terminationStatus)") }
        return elapsed
    }

    /// `connector-host serve` over the plugins, timed from its start to the
    /// first 200 of /healthz.
    final class ServeProcess {
        let process = Process()
        let secondsToHealthy: Double
        var pid: pid_t { process.processIdentifier }

        init(cli: String, database: String, plugins: String, expecting count: Int) throws {
            process.executableURL = URL(fileURLWithPath: cli)
            process.arguments = ["serve", "--plugins", plugins, "--db", database, "--port", "0", "--log-level", "error"]
            process.environment = ProcessInfo.processInfo.environment.merging(
                ["CONNECTOR_HOST_ADMIN_TOKEN": "bench-admin-token"]) { $1 }
            let output = Pipe()
            process.standardOutput = output
            let started = MonotonicTime.now
            try process.run()
            var seen = Data()
            var serving: String?
            while serving == nil {
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { break }
                seen.append(chunk)
                serving = String(decoding: seen, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                    .dropLast().first { $0.hasPrefix("serving ") }.map(String.init)
            }
            guard let serving, let port = serving.split(separator: ":").last.flatMap({ Int($0) }) else {
                process.terminate()
                throw BenchFailure("serve did not start: \(String(decoding: seen.prefix(2000), as: UTF8.self))")
            }
            while try httpStatus(port: port, path: "/healthz") != 200 {
                guard Double(MonotonicTime.now - started) < 30e9 else { throw BenchFailure("/healthz never answered 200") }
                usleep(1000)
            }
            secondsToHealthy = Double(MonotonicTime.now - started) / 1e9
            let served = serving.split(separator: " on http")[0].split(separator: ", ").count
            guard served == count else {
                stop()
                throw BenchFailure("serve served \(served) plugins of \(count)")
            }
        }

        func stop() {
            process.interrupt()
            process.waitUntilExit()
        }
    }

    /// One HTTP/1.1 GET on loopback; its status code.
    static func httpStatus(port: Int, path: String) throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw BenchFailure("socket: \(errno)") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return 0 }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard send(socket, request, request.count, 0) == request.count else { return 0 }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while !answer.contains(UInt8(ascii: "\n")) {
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            answer.append(contentsOf: buffer[0..<count])
        }
        // "HTTP/1.1 200 OK"
        let words = String(decoding: answer, as: UTF8.self).split(separator: " ")
        return words.count > 1 ? Int(words[1]) ?? 0 : 0
    }

    /// A process and every process under it, parents before children.
    static func processTree(at root: pid_t) -> [pid_t] {
        var children: [pid_t: [pid_t]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let afterName = stat.range(of: ") ", options: .backwards)
            else { continue }
            // "pid (name) state ppid ...": the name may hold spaces, the rest does not.
            let fields = stat[afterName.upperBound...].split(separator: " ")
            if fields.count > 1, let parent = pid_t(fields[1]) { children[parent, default: []].append(pid) }
        }
        var tree: [pid_t] = [root]
        var index = 0
        while index < tree.count {
            tree += children[tree[index]] ?? []
            index += 1
        }
        return tree
    }

    /// The worker process a runtime's PID leads to: that process, or under
    /// bubblewrap the one below bubblewrap's own.
    static func workerProcess(under pid: pid_t) -> pid_t? {
        processTree(at: pid).last { candidate in
            let name = (try? String(contentsOfFile: "/proc/\(candidate)/comm", encoding: .utf8)) ?? ""
            return name.hasPrefix("connector-host")
        }
    }

    /// The proportional set size of a process and every process under it
    /// (a worker, and the bubblewrap around it), and how many there are.
    static func proportionalMemory(ofTreeAt root: pid_t) -> Result<(megabytes: Double, processes: Int), BenchFailure> {
        let tree = processTree(at: root)
        var kilobytes = 0
        for pid in tree {
            // A server marks itself non-dumpable: its /proc files are root's then.
            guard let rollup = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else {
                return .failure(BenchFailure("/proc/\(pid)/smaps_rollup is not readable (run the bench as root to read a non-dumpable server's)"))
            }
            let line = rollup.split(separator: "\n").first { $0.hasPrefix("Pss:") }
            kilobytes += line.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        }
        return .success((Double(kilobytes) / 1024, tree.count))
    }
}
