@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import Synchronization
import SharedTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A connector document replaced in a watched plugin directory while callers
/// call it without pause, against a real httpbin: as for a compiled build
/// (HotReloadTests), no call fails and the calls started after the first
/// answer of the new definition all get it. The test waits for reload events
/// and answered calls, never for time.
@Suite(.timeLimit(.minutes(2))) struct DeclarativeReloadTests {
    /// Version `version` of a connector whose one operation asks httpbin for
    /// `/anything/<tag>`, so each answer says which definition sent it.
    static func document(version: String, tag: String, port: Int) -> String {
        """
        name: echo
        base_url: http://127.0.0.1:\(port)
        version: \(version)
        auth_type: none
        operations:
          - {name: which, method: GET, path: /anything/\(tag)}
        """
    }

    struct Answer {
        /// Counter values when the call started and when it was answered.
        let started: Int
        let finished: Int
        let tag: String
    }

    /// Callers that call `which` until stopped, recording each answer's tag.
    final class Load: Sendable {
        private let counter = Atomic<Int>(0)
        private let running = Atomic<Bool>(true)
        private let answers = Mutex<[Answer]>([])
        private let failures = Mutex<[String]>([])
        private let tasks = Mutex<[Task<Void, Never>]>([])
        private let ended = Mutex<(count: Int, waiters: [(target: Int, continuation: CheckedContinuation<Void, Never>)])>((0, []))

        init(_ connector: Connector, callers: Int) {
            let started = (0..<callers).map { _ in
                Task {
                    while self.running.load(ordering: .relaxed) {
                        let start = self.counter.add(1, ordering: .relaxed).newValue
                        do {
                            let value = try await connector.callFunction(.name("which"), arguments: Array("{}".utf8), credentials: [])
                            let finish = self.counter.add(1, ordering: .relaxed).newValue
                            guard case .json(let answer) = value, let url = answer["url"]?.stringValue else {
                                throw TestFailure("not an httpbin answer: \(value)")
                            }
                            let tag = String(url.split(separator: "/").last ?? "")
                            self.answers.withLock { $0.append(Answer(started: start, finished: finish, tag: tag)) }
                        } catch {
                            self.failures.withLock { $0.append("\(error)") }
                        }
                        self.callEnded()
                    }
                }
            }
            tasks.withLock { $0 = started }
        }

        private func callEnded() {
            let ready = ended.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.count += 1
                let count = state.count
                defer { state.waiters.removeAll { $0.target <= count } }
                return state.waiters.filter { $0.target <= count }.map(\.continuation)
            }
            for continuation in ready { continuation.resume() }
        }

        /// Waits until `count` more calls have ended.
        func waitForCalls(_ count: Int) async {
            await withCheckedContinuation { continuation in
                ended.withLock { $0.waiters.append(($0.count + count, continuation)) }
            }
        }

        func stop() async -> (answers: [Answer], failures: [String]) {
            running.store(false, ordering: .relaxed)
            for task in tasks.withLock({ $0 }) { await task.value }
            return (answers.withLock { $0 }, failures.withLock { $0 })
        }
    }

    @Test func replacingTheDocumentUnderLoadLosesNoCall() async throws {
        let port = try LoopbackServer.httpbin().port
        let directory = try TestSupport.temporaryDirectory()
        let plugins = directory.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        let file = plugins.appendingPathComponent("echo.connector.yaml")
        /// Writes the document beside its place and renames it in, as an editor's save does.
        func install(_ text: String) throws {
            let partial = plugins.appendingPathComponent(".echo.connector.yaml.partial")
            try Data(text.utf8).write(to: partial)
            guard rename(partial.path, file.path) == 0 else { throw TestFailure("rename failed: \(errno)") }
        }
        try install(Self.document(version: "1.0.0", tag: "v1", port: port))

        var configuration = HostConfiguration(pluginDirectory: plugins.path)
        configuration.buildsDirectory = directory.appendingPathComponent(".builds").path
        configuration.sandbox = TestSupport.sandbox
        var unthrottled = ResilienceOverrides()
        unthrottled.rateLimitPerMinute = 10_000_000
        // A failed call must show: no retry may hide it.
        unthrottled.maxRetries = 0
        configuration.resilience = unthrottled
        configuration.drainDeadline = .seconds(10)
        let host = try await TestSupport.runningHost(configuration: configuration, logger: TestSupport.quietLogger)
        var events = host.reloadEvents().makeAsyncIterator()
        // The document is renamed into place whole: no quiet period is needed.
        let watcher = Task { try await host.watch(quietPeriod: .zero) }

        let connector = try host.connector(named: "echo")
        let load = Load(connector, callers: 4)
        await load.waitForCalls(40)
        try install(Self.document(version: "2.0.0", tag: "v2", port: port))
        while let event = await events.next() {
            if case .reloaded(_, "echo", "2.0.0", _) = event { break }
            if case .refused(_, let error) = event { throw TestFailure("the new document was refused: \(error)") }
        }
        await load.waitForCalls(60)
        let (answers, failures) = await load.stop()

        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(Set(answers.map(\.tag)) == ["v1", "v2"])
        let firstNew = try #require(answers.filter { $0.tag == "v2" }.map(\.finished).min())
        let stale = answers.filter { $0.started > firstNew && $0.tag != "v2" }
        #expect(stale.isEmpty, "\(stale.count) calls started after the switch were answered by the old definition")
        #expect(connector.status.version == "2.0.0")
        #expect(connector.status.lastReloadError == nil)
        watcher.cancel()
        _ = await watcher.result
        await host.shutdown()
    }
}
