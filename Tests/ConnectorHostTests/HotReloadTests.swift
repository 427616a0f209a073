@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Crypto
import Foundation
import SharedTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Hot reload with the directory watcher, under continuous load: builds of the
/// "reload" fixture (`make fixtures`: reload-v1..v3, and reload-refuses-sessions)
/// replace each other. The tests wait for the host's reload events and for
/// answered calls, never for time.
@Suite(.timeLimit(.minutes(2))) struct HotReloadTests {
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
        /// Calls ended so far, and who waits for how many.
        private let progress = Mutex<(ended: Int, waiters: [(target: Int, continuation: CheckedContinuation<Void, Never>)])>(
            (0, [])
        )

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
            host = try await TestSupport.runningHost(configuration: configuration, logger: TestSupport.quietLogger)
            let host = host
            var events = host.reloadEvents().makeAsyncIterator()
            // Builds are renamed into place whole: no quiet period is needed.
            watcher = Task { try await host.watch(quietPeriod: .zero) }
            if let initial {
                try install(initial)
                _ = try await Self.next(&events) { try $0.isReload(of: initial) }
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

        /// The first reload event that `matches`.
        static func next(
            _ events: inout AsyncStream<ReloadEvent>.Iterator, where matches: (ReloadEvent) throws -> Bool
        ) async throws -> ReloadEvent {
            while let event = await events.next() {
                if try matches(event) { return event }
            }
            throw TestFailure("the host shut down first")
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
                        self.callEnded()
                    }
                }
            }
            callers.withLock { $0.append(contentsOf: tasks) }
        }

        private func callEnded() {
            let ready = progress.withLock { progress -> [CheckedContinuation<Void, Never>] in
                progress.ended += 1
                let ended = progress.ended
                defer { progress.waiters.removeAll { $0.target <= ended } }
                return progress.waiters.filter { $0.target <= ended }.map(\.continuation)
            }
            for continuation in ready { continuation.resume() }
        }

        /// Waits until `count` (> 0) more calls have ended.
        func waitForCalls(_ count: Int) async {
            await withCheckedContinuation { continuation in
                progress.withLock { $0.waiters.append(($0.ended + count, continuation)) }
            }
        }

        /// Stops the callers; returns what they saw.
        func stopLoad() async -> (answers: [Answer], failures: [String]) {
            running.store(false, ordering: .relaxed)
            for task in callers.withLock({ $0 }) { await task.value }
            return (answers.withLock { $0 }, failures.withLock { $0 })
        }

        /// The sandbox workers of this host that have one of its builds mapped.
        /// Reads every process's status: on a thread of its own, as the
        /// host's other workers keep running.
        func workers() async -> [pid_t] {
            let builds = builds.path
            return (try? await offThePool { Self.childWorkers(mapping: builds) }) ?? []
        }

        private static func childWorkers(mapping builds: String) -> [pid_t] {
            let me = getpid()
            let children = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry -> pid_t? in
                guard let pid = pid_t(entry),
                    let stat = Self.procFile("/proc/\(entry)/stat"),
                    let end = stat.lastIndex(of: ")")
                else { return nil }
                let fields = stat[stat.index(after: end)...].split(separator: " ")
                return fields.count > 1 && fields[0] != "Z" && pid_t(fields[1]) == me ? pid : nil
            }
            // A worker is the host's child, or under bubblewrap its child's
            // grandchild (bubblewrap, its init, the worker): the child counts.
            return children.filter { child in
                ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).contains { entry in
                    guard let pid = pid_t(entry), Self.descends(pid, from: child, within: 3) else { return false }
                    return Self.procFile("/proc/\(pid)/maps")?.contains(builds) == true
                }
            }
        }

        /// Whether `pid` is `ancestor` or its descendant at most `levels` generations down.
        static func descends(_ pid: pid_t, from ancestor: pid_t, within levels: Int) -> Bool {
            var current = pid
            for _ in 0...levels {
                if current == ancestor { return true }
                guard let stat = procFile("/proc/\(current)/stat"), let end = stat.lastIndex(of: ")") else { return false }
                let fields = stat[stat.index(after: end)...].split(separator: " ")
                guard fields.count > 1, let parent = pid_t(fields[1]) else { return false }
                current = parent
            }
            return false
        }

        /// A /proc file's text: read to the end, as its size is 0.
        static func procFile(_ path: String) -> String? {
            guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
            defer { try? handle.close() }
            return (try? handle.readToEnd()).map { String(decoding: $0, as: UTF8.self) }
        }

        func stop() async {
            watcher.cancel()
            _ = await watcher.result
            await host.shutdown()
        }
    }

    @Test func replacingTheFileUnderLoadLosesNoCall() async throws {
        let rig = try await Rig(initial: "reload-v1")
        var events = rig.host.reloadEvents().makeAsyncIterator()
        try rig.startLoad(callers: 4)
        await rig.waitForCalls(50)
        try rig.install("reload-v2")
        _ = try await Rig.next(&events) { try $0.isReload(of: "reload-v2") }
        let connector = try rig.host.connector(named: "reload")
        await rig.waitForCalls(100)
        let (answers, failures) = await rig.stopLoad()

        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(Set(answers.map(\.version)) == ["1.0.0", "2.0.0"])
        let mixed = answers.filter { $0.version != $0.sessionVersion }
        #expect(mixed.isEmpty, "answered by one build in a session of another: \(mixed.prefix(3))")
        let firstNew = try #require(answers.filter { $0.version == "2.0.0" }.map(\.finished).min())
        let stale = answers.filter { $0.started > firstNew && $0.version != "2.0.0" }
        #expect(stale.isEmpty, "\(stale.count) calls started after the switch were answered by the old build")
        #expect(connector.status.version == "2.0.0")
        #expect(connector.status.breakerState == .closed)
        #expect(connector.status.lastReloadError == nil)
        // The reloaded event comes once the old build has drained and stopped.
        let workers = await rig.workers()
        #expect(workers.count == 1 && workers.first == connector.status.pid, "workers: \(workers)")
        await rig.stop()
    }

    @Test func aBrokenBuildNeverReplacesTheRunningOne() async throws {
        let rig = try await Rig(initial: "reload-v1")
        var events = rig.host.reloadEvents().makeAsyncIterator()
        try rig.startLoad(callers: 3)
        await rig.waitForCalls(20)
        let connector = try rig.host.connector(named: "reload")
        let broken = [
            ("missing-mandatory", "manifest_invalid"),
            ("future-abi", "abi_mismatch"),
            ("hostile-constructor-crash", "plugin_crashed"),
            ("reload-refuses-sessions", "the new build failed its check: reload session.open: the end system refused the credentials: this build refuses every session"),
        ]
        for (fixture, expected) in broken {
            try rig.install(fixture)
            let refused = try await Rig.next(&events) { event in
                if case .reloaded = event { throw TestFailure("\(fixture) replaced the running build") }
                if case .refused = event { return true }
                return false
            }
            let error = connector.status.lastReloadError ?? "none"
            if case .refused(_, let reason) = refused { #expect(error == "\(reason.code): \(reason.message)") }
            #expect(error.contains(rig.pluginFile.path), "the error names the file: \(error)")
            #expect(error.contains(expected), "\(fixture): \(error)")
            await rig.waitForCalls(10)
        }
        let (answers, failures) = await rig.stopLoad()
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(Set(answers.map(\.version)) == ["1.0.0"])
        #expect(connector.status.version == "1.0.0")
        #expect(await rig.workers().count == 1)
        await rig.stop()
    }

    @Test func puttingTheServingBuildBackClearsTheRefusalAndSaysSo() async throws {
        let rig = try await Rig(initial: "reload-v1")
        var events = rig.host.reloadEvents().makeAsyncIterator()
        let connector = try rig.host.connector(named: "reload")
        try rig.install("reload-refuses-sessions")
        _ = try await Rig.next(&events) { if case .refused = $0 { true } else { false } }
        #expect(connector.status.lastReloadError != nil)

        try rig.install("reload-v1")
        let unchanged = try await Rig.next(&events) { event in
            if case .reloaded = event { throw TestFailure("the serving build was loaded again") }
            if case .unchanged = event { return true }
            return false
        }
        if case .unchanged(let source, let plugin, _) = unchanged {
            #expect(source == rig.pluginFile.path)
            #expect(plugin == "reload")
        }
        #expect(connector.status.lastReloadError == nil, "the stale refusal is cleared")

        // By name, as an operator knows it, as well as by path.
        _ = try await rig.host.reload(named: "reload")
        _ = try await Rig.next(&events) { if case .unchanged = $0 { true } else { false } }
        await #expect(throws: ConnectorHostError.self) { try await rig.host.reload(named: "nope") }
        await rig.stop()
    }

    @Test func theHostRemovesItsCopiesOfBuildsWhenItShutsDown() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: ["reload.so": TestSupport.fixture("reload-v1")])
        let host = try await TestSupport.runningHost(
            configuration: TestSupport.configuration(pluginDirectory: directory.path), logger: TestSupport.quietLogger
        )
        // The first build is copied when its first worker starts.
        _ = try await host.connector(named: "reload").call(.entityGet, credentials: [])
        try FileManager.default.removeItem(at: directory.appendingPathComponent("reload.so"))
        try FileManager.default.copyItem(
            atPath: TestSupport.fixture("reload-v2"), toPath: directory.appendingPathComponent("reload.so").path
        )
        _ = try await host.reload(named: "reload")
        let copies = try FileManager.default.contentsOfDirectory(atPath: host.buildsDirectory).filter { !$0.hasPrefix("linked-") }
        #expect(copies.count == 2, "each build runs from a copy of its own, the first one too: \(copies)")
        await host.shutdown()
        #expect(!FileManager.default.fileExists(atPath: host.buildsDirectory), "no copy is left behind")
    }

    /// A start links each build and copies it at its first worker's start:
    /// a file renamed over the plugin's leaves the admitted build serving, and
    /// a file rewritten in place (which a link shares) is refused, never run.
    @Test func aBuildChangedBeforeItsFirstCallServesAsAdmittedOrNotAtAll() async throws {
        let renamedOver = try TestSupport.temporaryDirectory()
        try TestSupport.populate(renamedOver, with: ["reload.so": TestSupport.fixture("reload-v1")])
        let first = try await TestSupport.runningHost(
            configuration: TestSupport.configuration(pluginDirectory: renamedOver.path), logger: TestSupport.quietLogger
        )
        let replacement = renamedOver.appendingPathComponent(".reload.so.new")
        try FileManager.default.copyItem(atPath: TestSupport.fixture("reload-v2"), toPath: replacement.path)
        #expect(rename(replacement.path, renamedOver.appendingPathComponent("reload.so").path) == 0)
        let served = try TestSupport.object(await first.connector(named: "reload").call(.entityGet, credentials: []))
        #expect(served["version"] as? String == "1.0.0", "the build admitted at the start serves until a reload")
        await first.shutdown()

        let rewritten = try TestSupport.temporaryDirectory()
        try TestSupport.populate(rewritten, with: ["reload.so": TestSupport.fixture("reload-v1")])
        let second = try await TestSupport.runningHost(
            configuration: TestSupport.configuration(pluginDirectory: rewritten.path), logger: TestSupport.quietLogger
        )
        let newBytes = try Data(contentsOf: URL(fileURLWithPath: TestSupport.fixture("reload-v2")))
        let descriptor = open(rewritten.appendingPathComponent("reload.so").path, O_WRONLY | O_TRUNC)
        #expect(descriptor >= 0)
        #expect(newBytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } == newBytes.count)
        close(descriptor)
        let refused = await #expect(throws: ConnectorHostError.self) {
            try await second.connector(named: "reload").call(.entityGet, credentials: [])
        }
        #expect(refused?.code == .conflict)
        #expect(refused?.message.contains("rewritten in place since it was scanned; reload the plugin") == true, "\(String(describing: refused))")
        await second.shutdown()
    }

    @Test func threeBuildsInQuickSuccessionEndWithTheLastServing() async throws {
        let rig = try await Rig(initial: nil)
        var events = rig.host.reloadEvents().makeAsyncIterator()
        // The next builds arrive while the first one is loading.
        try rig.install("reload-v1")
        _ = try await Rig.next(&events) { if case .loading = $0 { true } else { false } }
        try rig.install("reload-v2")
        try rig.install("reload-v3")
        _ = try await Rig.next(&events) { try $0.isReload(of: "reload-v3") }
        let connector = try rig.host.connector(named: "reload")
        let answer = try TestSupport.object(await connector.call(.entityGet, credentials: []))
        #expect(answer["version"] as? String == "3.0.0")
        let workers = await rig.workers()
        #expect(workers == [connector.status.pid].compactMap { $0 }, "no build but the last keeps a worker: \(workers)")
        await rig.stop()
        #expect(await rig.workers().isEmpty)
    }

    @Test func removingTheFileUnloadsThePlugin() async throws {
        let rig = try await Rig(initial: "reload-v1")
        var events = rig.host.reloadEvents().makeAsyncIterator()
        try FileManager.default.removeItem(at: rig.pluginFile)
        let unloaded = try await Rig.next(&events) { if case .unloaded = $0 { true } else { false } }
        #expect(unloaded.source == rig.pluginFile.path)
        #expect(!rig.host.connectorNames.contains("reload"))
        #expect(await rig.workers().isEmpty, "the drained build's worker stopped")
        await rig.stop()
    }

    @Test func aFileThatIsNotAPluginIsIgnored() async throws {
        let rig = try await Rig(initial: "reload-v1")
        var events = rig.host.reloadEvents().makeAsyncIterator()
        let stray = rig.directory.appendingPathComponent("plugins/notes.so")
        try FileManager.default.copyItem(atPath: TestSupport.fixture("not-a-plugin"), toPath: stray.path)
        let refused = try await Rig.next(&events) { if case .refused = $0 { true } else { false } }
        #expect(refused.source == stray.path)
        try rig.install("reload-v2")
        _ = try await Rig.next(&events) { try $0.isReload(of: "reload-v2") }
        #expect(rig.host.connectorNames == ["reload"])
        await rig.stop()
    }
}

extension ReloadEvent {
    /// The event of a fixture build starting to serve.
    func isReload(of fixture: String) throws -> Bool {
        guard case .reloaded(_, _, _, let sha256) = self else { return false }
        let data = try Data(contentsOf: URL(fileURLWithPath: TestSupport.fixture(fixture)))
        return sha256 == SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
