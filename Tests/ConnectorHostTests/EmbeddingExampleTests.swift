import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The README's embedding example (`connector-host-example`: Hummingbird and the
/// host in one ServiceGroup), run as an embedder would run it: its route calls
/// a connector, a rebuilt plugin is picked up, and SIGTERM ends it with every
/// worker gone.
@Suite(.timeLimit(.minutes(2))) struct EmbeddingExampleTests {
    /// The example binary, beside the CLI's.
    static var binary: String {
        URL(fileURLWithPath: CLI.binary).deletingLastPathComponent().appendingPathComponent("connector-host-example").path
    }

    @Test func theExampleServesReloadsAndStopsOnSIGTERM() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let plugins = directory.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        try TestSupport.populate(plugins, with: [
            "tracker.so": TestSupport.plugin("tracker"), "reload.so": TestSupport.fixture("reload-v1"),
        ])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["--plugins", plugins.path, "--data-directory", directory.path, "--port", "0"]
        // Its output and its log (standard error) in one stream, read as events come.
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let (exits, exited) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { ended in
            exited.yield(ended.terminationStatus)
            exited.finish()
        }
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var log = ExampleOutput(pipe: output)
        let port = try log.port()
        // Connections of its own: the port may have served another test's server before.
        let session = URLSession(configuration: .ephemeral)
        defer { session.invalidateAndCancel() }

        func get(_ path: String) async throws -> (Int, [String: Any]) {
            let url = try #require(URL(string: "http://127.0.0.1:\(port)/\(path)"))
            let (data, response) = try await session.data(from: url)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0,
                    (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
        }

        let database = directory.appendingPathComponent("tracker.sqlite").path
        let tracker = try await get("connectors/tracker/server-info?database=\(database)")
        #expect(tracker.0 == 200)
        #expect(tracker.1["maxResults"] as? Int == 50)
        #expect(try await get("connectors/reload/server-info").1["version"] as? String == "1.0.0")
        #expect(try await get("connectors/nope/server-info").0 == 404, "not_found maps to 404")

        // A rebuilt plugin renamed into place is served without a restart.
        let staged = directory.appendingPathComponent("reload.so.part")
        try FileManager.default.copyItem(atPath: TestSupport.fixture("reload-v2"), toPath: staged.path)
        guard rename(staged.path, plugins.appendingPathComponent("reload.so").path) == 0 else {
            throw TestFailure("rename failed: \(errno)")
        }
        // The host logs the reload once new calls go to the new build.
        try log.read { $0.contains("version=2.0.0") && $0.contains("plugin reloaded") }
        #expect(try await get("connectors/reload/server-info").1["version"] as? String == "2.0.0",
                "the watcher reloaded the new build")

        let metrics = try await session.data(from: try #require(URL(string: "http://127.0.0.1:\(port)/metrics"))).0
        #expect(String(decoding: metrics, as: UTF8.self).contains(#"connector_host_calls_total{plugin="reload"}"#),
                "the injected backend has the host's metrics")

        let workers = Self.descendants(of: process.processIdentifier)
        #expect(!workers.isEmpty, "the plugins run in worker processes")
        kill(process.processIdentifier, SIGTERM)
        var statuses = exits.makeAsyncIterator()
        #expect(await statuses.next() == 0, "SIGTERM ends the service cleanly")
        // Its shutdown waited for them: none is left, at most a zombie not yet reaped.
        let alive = workers.filter { kill($0, 0) == 0 && !Self.isZombie($0) }
        #expect(alive.isEmpty, "every worker is gone: \(alive)")
    }

    /// What the example writes, read up to the line a test waits for.
    struct ExampleOutput {
        let pipe: Pipe
        private var seen = ""

        init(pipe: Pipe) { self.pipe = pipe }

        /// Reads until the text so far satisfies `done`; returns it.
        @discardableResult
        mutating func read(until done: (String) -> Bool) throws -> String {
            while !done(seen) {
                let chunk = pipe.fileHandleForReading.availableData
                guard !chunk.isEmpty else { throw TestFailure("the example ended first; it wrote: \(seen)") }
                seen += String(decoding: chunk, as: UTF8.self)
            }
            return seen
        }

        /// The port of "listening on http://127.0.0.1:PORT".
        mutating func port() throws -> Int {
            let pattern = #"listening on http://127\.0\.0\.1:\d+"#
            let text = try read { $0.range(of: pattern, options: .regularExpression) != nil }
            guard let range = text.range(of: pattern, options: .regularExpression),
                let port = Int(text[range].split(separator: ":").last ?? "")
            else { throw TestFailure("no port in: \(text)") }
            return port
        }
    }

    /// Every process below `pid`, from /proc.
    static func descendants(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var parents: [Int32: Int32] = [:]
        for entry in entries {
            guard let child = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // After "pid (comm) state ppid".
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { parents[child] = parent }
        }
        var found: [Int32] = []
        var frontier = [pid]
        while let next = frontier.popLast() {
            let children = parents.filter { $0.value == next }.map(\.key)
            found += children
            frontier += children
        }
        return found
    }

    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first == "Z"
    }
}
