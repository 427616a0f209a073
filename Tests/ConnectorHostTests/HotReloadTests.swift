@testable import ConnectorHost
import Crypto
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Hot reload with the directory watcher, under continuous load: builds of the
/// "reload" fixture (`make fixtures`: reload-v1..v3, whose entity.get takes
/// 5 ms, so calls are running when the file changes) replace each other.
@Suite struct HotReloadTests {
    /// A watching host on a directory of its own, with callers that call
    /// entity.get without pause and record which build answered.
    final class Rig: Sendable {
        let host: ConnectorHost
        let directory: URL
        let builds: URL
        private let watcher: Task<Void, any Error>
        private let events = Atomic<Int>(0)
        private let answers = Mutex<[Answer]>([])
        private let failures = Mutex<[String]>([])
        private let running = Atomic<Bool>(true)
        private let callers = Mutex<[Task<Void, Never>]>([])

        struct Answer {
            /// Event counters when the call started and when it was answered.
            let started: Int
            let finished: Int
            let version: String
            let sessionVersion: String
        }

        init(initial: String?) async throws {
            directory = try TestSupport.temporaryDirectory()
            builds = directory.appendingPathComponent(".builds")
            let plugins = directory.appendingPathComponent("plugins")
            try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
            var configuration = HostConfiguration(pluginDirectory: plugins.path)
            configuration.buildsDirectory = builds.path
            var unthrottled = ResilienceOverrides()
            unthrottled.rateLimitPerMinute = 10_000_000
            // A failed call must show: no retry may hide it.
            unthrottled.maxRetries = 0
            configuration.resilience = unthrottled
            configuration.drainDeadline = .seconds(10)
            host = try await ConnectorHost.start(configuration: configuration, logger: TestSupport.quietLogger)
            let host = host
            watcher = Task { try await host.watch(quietPeriod: .milliseconds(30)) }
            // The watch is in place once a file written now is picked up.
            if let initial {
                try install(initial)
                _ = try await waitForVersion(of: initial)
            }
        }

        var pluginFile: URL { directory.appendingPathComponent("plugins/reload.so") }

        /// Renames a build into place, as a linker's final step does.
        func install(_ fixture: String) throws {
            let partial = directory.appendingPathComponent("plugins/.reload.so.partial")
            try? FileManager.default.removeItem(at: partial)
            try FileManager.default.copyItem(atPath: TestSupport.fixture(fixture), toPath: partial.path)
            guard rename(partial.path, pluginFile.path) == 0 else { throw TestFailure("rename failed: \(errno)") }
        }

        /// Waits until the host serves the fixture build.
        func waitForVersion(of fixture: String) async throws -> Connector {
            let digest = try Self.sha256(TestSupport.fixture(fixture))
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                if let connector = try? host.connector(named: "reload"), connector.status.fileSHA256 == digest {
                    return connector
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            throw TestFailure("\(fixture) never served; serving: \(host.statuses.map { "\($0.version) \($0.fileSHA256 ?? "")" })")
        }

        static func sha256(_ path: String) throws -> String {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        }

        /// Starts `count` callers.
        func startLoad(callers count: Int) throws {
            let connector = try host.connector(named: "reload")
            let tasks = (0..<count).map { _ in
                Task {
                    while self.running.load(ordering: .relaxed) {
                        let started = self.events.add(1, ordering: .relaxed).newValue
                        do {
                            let body = try TestSupport.object(await connector.call(.entityGet, credentials: []))
                            let finished = self.events.add(1, ordering: .relaxed).newValue
                            self.answers.withLock {
                                $0.append(Answer(
                                    started: started, finished: finished, version: body["version"] as? String ?? "?",
                                    sessionVersion: body["sessionVersion"] as? String ?? "?"
                                ))
                            }
                        } catch {
                            self.failures.withLock { $0.append("\(error)") }
                        }
                    }
                }
            }
            callers.withLock { $0.append(contentsOf: tasks) }
        }

        /// Waits until `count` more calls were answered.
        func waitForAnswers(_ count: Int) async throws {
            let target = answers.withLock { $0.count } + count
            let deadline = ContinuousClock.now + .seconds(20)
            while answers.withLock({ $0.count }) < target {
                guard ContinuousClock.now < deadline else { throw TestFailure("the callers stalled") }
                try await Task.sleep(for: .milliseconds(2))
            }
        }

        /// Stops the callers; returns what they saw.
        func stopLoad() async -> (answers: [Answer], failures: [String]) {
            running.store(false, ordering: .relaxed)
            for task in callers.withLock({ $0 }) { await task.value }
            return (answers.withLock { $0 }, failures.withLock { $0 })
        }

        /// The sandbox workers of this host that have one of its builds mapped.
        func workers() -> [pid_t] {
            let me = getpid()
            let children = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry -> pid_t? in
                guard let pid = pid_t(entry),
                    let stat = Self.procFile("/proc/\(entry)/stat"),
                    let end = stat.lastIndex(of: ")")
                else { return nil }
                let fields = stat[stat.index(after: end)...].split(separator: " ")
                return fields.count > 1 && fields[0] != "Z" && pid_t(fields[1]) == me ? pid : nil
            }
            return children.filter { pid in
                Self.procFile("/proc/\(pid)/maps")?.contains(builds.path) == true
            }
        }

        /// A /proc file's text: read to the end, as its size is 0.
        static func procFile(_ path: String) -> String? {
            guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
            defer { try? handle.close() }
            return (try? handle.readToEnd()).map { String(decoding: $0, as: UTF8.self) }
        }

        /// Waits until exactly the serving build's worker is left.
        func waitForOneWorker() async throws -> [pid_t] {
            let deadline = ContinuousClock.now + .seconds(20)
            var workers = self.workers()
            while workers.count != 1, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
                workers = self.workers()
            }
            return workers
        }

        func stop() async {
            watcher.cancel()
            _ = await watcher.result
            await host.shutdown()
        }
    }

    @Test func replacingTheFileUnderLoadLosesNoCall() async throws {
        let rig = try await Rig(initial: "reload-v1")
        try rig.startLoad(callers: 4)
        try await rig.waitForAnswers(50)
        try rig.install("reload-v2")
        let connector = try await rig.waitForVersion(of: "reload-v2")
        try await rig.waitForAnswers(100)
        let (answers, failures) = await rig.stopLoad()

        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(Set(answers.map(\.version)) == ["1.0.0", "2.0.0"])
        let mixed = answers.filter { $0.version != $0.sessionVersion }
        #expect(mixed.isEmpty, "answered by one build in a session of another: \(mixed.prefix(3))")
        let firstNew = try #require(answers.filter { $0.version == "2.0.0" }.map(\.finished).min())
        let stale = answers.filter { $0.started > firstNew && $0.version != "2.0.0" }
        #expect(stale.isEmpty, "\(stale.count) calls started after the switch were answered by the old build")
        #expect(connector.status.version == "2.0.0")
        #expect(connector.status.breaker == "closed")
        #expect(connector.status.lastReloadError == nil)
        let workers = try await rig.waitForOneWorker()
        #expect(workers.count == 1 && workers.first == connector.status.pid, "workers: \(workers)")
        await rig.stop()
    }

    @Test func aBrokenBuildNeverReplacesTheRunningOne() async throws {
        let rig = try await Rig(initial: "reload-v1")
        try rig.startLoad(callers: 3)
        try await rig.waitForAnswers(20)
        let connector = try rig.host.connector(named: "reload")
        let broken = [
            ("missing-mandatory", "manifest_invalid"),
            ("future-abi", "abi_mismatch"),
            ("hostile-constructor-crash", "plugin_crashed"),
            ("reload-refuses-sessions", "the new build failed its check: reload session.open: the session is not valid: this build refuses every session"),
        ]
        for (fixture, expected) in broken {
            try rig.install(fixture)
            let deadline = ContinuousClock.now + .seconds(20)
            while !(connector.status.lastReloadError?.contains(expected) ?? false), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            let error = connector.status.lastReloadError ?? "none"
            #expect(error.contains(rig.pluginFile.path), "the error names the file: \(error)")
            #expect(error.contains(expected), "\(fixture): \(error)")
            try await rig.waitForAnswers(10)
        }
        let (answers, failures) = await rig.stopLoad()
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(Set(answers.map(\.version)) == ["1.0.0"])
        #expect(connector.status.version == "1.0.0")
        #expect(try await rig.waitForOneWorker().count == 1)
        await rig.stop()
    }

    @Test func threeBuildsWithinASecondEndWithTheLastServing() async throws {
        let rig = try await Rig(initial: nil)
        // 100 ms apart: longer than the watcher's quiet period, so that builds
        // arrive while earlier ones load.
        for fixture in ["reload-v1", "reload-v2", "reload-v3"] {
            try rig.install(fixture)
            try await Task.sleep(for: .milliseconds(100))
        }
        let connector = try await rig.waitForVersion(of: "reload-v3")
        let answer = try TestSupport.object(await connector.call(.entityGet, credentials: []))
        #expect(answer["version"] as? String == "3.0.0")
        let workers = try await rig.waitForOneWorker()
        #expect(workers == [connector.status.pid].compactMap { $0 }, "no build but the last keeps a worker: \(workers)")
        await rig.stop()
        #expect(rig.workers().isEmpty)
    }

    @Test func removingTheFileUnloadsThePlugin() async throws {
        let rig = try await Rig(initial: "reload-v1")
        try FileManager.default.removeItem(at: rig.pluginFile)
        let deadline = ContinuousClock.now + .seconds(20)
        while rig.host.connectorNames.contains("reload"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(!rig.host.connectorNames.contains("reload"))
        while !rig.workers().isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(rig.workers().isEmpty, "the drained build's worker stopped")
        await rig.stop()
    }

    @Test func aFileThatIsNotAPluginIsIgnored() async throws {
        let rig = try await Rig(initial: "reload-v1")
        let stray = rig.directory.appendingPathComponent("plugins/notes.so")
        try FileManager.default.copyItem(atPath: TestSupport.fixture("not-a-plugin"), toPath: stray.path)
        // A reload of the real plugin afterwards is seen, so the stray file was handled by then.
        try rig.install("reload-v2")
        _ = try await rig.waitForVersion(of: "reload-v2")
        #expect(rig.host.connectorNames == ["reload"])
        await rig.stop()
    }
}
