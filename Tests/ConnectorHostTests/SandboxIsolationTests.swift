@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import SharedTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Plugins that attack the host from their sandbox worker: each attempt fails,
/// the host survives, and nothing the plugin started is left running.
///
/// The attacks that would hurt the test process itself (kill it, trace it,
/// reach its files or its network) first require the worker's isolation to be
/// `full`, which this project's machines (and CI) give; the rest also run
/// without namespaces.
@Suite(.timeLimit(.minutes(5))) struct SandboxIsolationTests {
    struct Fixture {
        let host: ConnectorHost
        let name: String
        let directory: URL
        let data: URL
        /// Every process of the sandbox carries it in its environment.
        let mark: String

        /// A host serving one hostile fixture, whose data directory is `data`.
        static func make(
            _ hostile: String, sandbox configure: (inout SandboxSettings) -> Void = { _ in }
        ) async throws -> Fixture {
            let directory = try TestSupport.temporaryDirectory()
            let plugins = directory.appendingPathComponent("plugins")
            let data = directory.appendingPathComponent("data")
            try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
            try TestSupport.populate(plugins, with: ["\(hostile).so": TestSupport.fixture(hostile)])
            let mark = "isolation-\(UUID().uuidString)"
            var configuration = HostConfiguration(pluginDirectory: plugins.path)
            var policy = ResilienceOverrides()
            policy.maxRetries = 0
            // A bound, never reached when the host behaves: every attack answers or fails at once.
            policy.timeout = .seconds(60)
            configuration.pluginResilience[hostile] = policy
            var sandbox = SandboxSettings()
            sandbox.dataDirectory = data.path
            sandbox.environment = ["FIXTURE_MARK": mark, "FIXTURE_DECLARED": "declared"]
            configure(&sandbox)
            configuration.pluginSandbox[hostile] = sandbox
            let host = try await TestSupport.runningHost(configuration: configuration, logger: TestSupport.quietLogger)
            // The attacks are on a running worker: its isolation and pid are read before the first call.
            try await host.connector(named: hostile).warmUp()
            return Fixture(host: host, name: hostile, directory: directory, data: data, mark: mark)
        }

        var status: PluginStatus {
            get throws { try host.connector(named: name).status }
        }

        /// Attacks that would reach the test process itself run only behind full isolation.
        func requireFullIsolation() throws {
            let status = try status
            try #require(status.isolation == "full", "isolation here: \(status.isolation ?? "none")")
        }

        /// Runs the attack (entity.get) with `request`; returns what the plugin achieved.
        func attack(_ request: [String: Any]) async throws -> [String: Any] {
            let plugin = try host.connector(named: name)
            let session = try await plugin.openSession([])
            return try TestSupport.object(await plugin.call(.entityGet, request: TestSupport.json(request), session: session))
        }

        /// The worker is still the one that was attacked, and still answers.
        func workerSurvived(_ pid: Int32?) async throws -> Bool {
            let plugin = try host.connector(named: name)
            _ = try await plugin.call(.metadataGet, session: nil)
            return plugin.status.pid == pid
        }

        /// Shuts the host down; then no process of the sandbox may be left.
        func shutDownAndCheckNothingIsLeft() async {
            await host.shutdown()
            #expect(await SandboxIsolationTests.processesCarrying(mark).isEmpty, "no process of the sandbox is left")
        }
    }

    /// PIDs of processes whose environment holds `mark`. A process killed a
    /// moment ago may linger until reaped: waits (bounded) for the list to
    /// empty. Each look reads every process's environment: it runs on a
    /// thread of its own.
    static func processesCarrying(_ mark: String) async -> [String] {
        var found: [String] = []
        _ = await eventually(within: .seconds(30), every: .milliseconds(20)) {
            found = (try? await offThePool { carrying(mark) }) ?? []
            return found.isEmpty
        }
        return found
    }

    private static func carrying(_ mark: String) -> [String] {
        let needle = Data(mark.utf8)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.filter { pid in
            guard let handle = FileHandle(forReadingAtPath: "/proc/\(pid)/environ") else { return false }
            defer { try? handle.close() }
            return (try? handle.readToEnd())?.range(of: needle) != nil
        }
    }

    @Test func theWorkerSeesNoneOfTheHostsEnvironmentOnlyWhatItsConfigurationDeclares() async throws {
        setenv("CONNECTOR_HOST_TEST_SECRET", "the host's secret", 1)
        defer { unsetenv("CONNECTOR_HOST_TEST_SECRET") }
        let fixture = try await Fixture.make("hostile-environment")
        let found = try await fixture.attack([:])
        #expect(found["marker"] as? Bool == false, "a variable of the host's is not visible")
        #expect(found["admin"] as? Bool == false)
        #expect(found["declared"] as? String == "declared", "the declared variables are")
        let names = Set((found["names"] as? String ?? "").split(separator: ",").map(String.init))
        #expect(names.count == found["count"] as? Int)
        // PWD: bubblewrap names the working directory it changed to, the data directory.
        #expect(names.isSubset(of: [
            "SWIFT_BACKTRACE", "PATH", "MALLOC_ARENA_MAX", "PWD", "FIXTURE_MARK", "FIXTURE_DECLARED",
            "CONNECTOR_HOST_TEST_RUN",
        ]), "only what the worker needs and what was declared: \(names.sorted())")
        await fixture.shutDownAndCheckNothingIsLeft()
    }

    @Test func theWorkerCannotKillTheHost() async throws {
        let fixture = try await Fixture.make("hostile-kill-host")
        try fixture.requireFullIsolation()
        let pid = try fixture.status.pid
        let found = try await fixture.attack(["pid": Int(getpid())])
        #expect(found["host"] as? Int == -1, "the host's PID names no process in the worker's namespace")
        #expect(found["hostErrno"] as? Int == Int(ESRCH))
        // Alive, since this line runs; and its parent in the sandbox was not killable either.
        #expect(try await fixture.workerSurvived(pid))
        await fixture.shutDownAndCheckNothingIsLeft()
    }

    @Test func theWorkerCannotTraceTheHostReadItsMemoryOrLeaveItsNamespaces() async throws {
        let fixture = try await Fixture.make("hostile-ptrace")
        try fixture.requireFullIsolation()
        let found = try await fixture.attack(["pid": Int(getpid())])
        // EPERM from the seccomp filter, before the kernel even looks for the process.
        #expect(found["attach"] as? Int == -1 && found["attachErrno"] as? Int == Int(EPERM), "\(found)")
        #expect(found["parent"] as? Int == -1 && found["parentErrno"] as? Int == Int(EPERM))
        #expect(found["read"] as? Int == -1 && found["readErrno"] as? Int == Int(EPERM))
        #expect(found["unshare"] as? Int == -1 && found["unshareErrno"] as? Int == Int(EPERM))
        await fixture.shutDownAndCheckNothingIsLeft()
    }

    @Test func theWorkerSeesNoFileOutsideItsViewAndWritesItsDataDirectory() async throws {
        let fixture = try await Fixture.make("hostile-read-file")
        try fixture.requireFullIsolation()
        let secret = fixture.directory.appendingPathComponent("registry.sqlite")
        try Data("the registry".utf8).write(to: secret)
        for path in [secret.path, "/proc/\(getpid())/environ", "/etc/shadow"] {
            let found = try await fixture.attack(["path": path])
            #expect(found["opened"] as? Bool == false, "\(path): \(found)")
            #expect(found["errno"] as? Int == Int(ENOENT), "\(path) is not even there: \(found)")
        }
        let written = fixture.data.appendingPathComponent("written.txt")
        let found = try await fixture.attack(["path": written.path, "write": 1])
        #expect(found["opened"] as? Bool == true, "its data directory is its own: \(found)")
        #expect(try String(contentsOf: written, encoding: .utf8) == "written")
        await fixture.shutDownAndCheckNothingIsLeft()
    }

    /// Without namespaces there is no mount view; Landlock (where the kernel
    /// has it) still keeps the worker to the same paths: not the registry, not
    /// the host's /proc, but its data directory.
    @Test func withoutNamespacesLandlockStillKeepsTheWorkerToItsPaths() async throws {
        let fixture = try await Fixture.make("hostile-read-file") { $0.bubblewrapExecutable = nil }
        let secret = fixture.directory.appendingPathComponent("registry.sqlite")
        try Data("the registry".utf8).write(to: secret)
        let landlock = try await fixture.attack(["path": "/proc/self/status"])
        try #require(landlock["opened"] as? Bool == true, "the worker reads its own /proc: \(landlock)")
        let probe = try await fixture.attack(["path": secret.path])
        guard probe["errno"] as? Int != 0 else {
            // A kernel without Landlock: the registry is readable, as the README says of this level.
            await fixture.shutDownAndCheckNothingIsLeft()
            return
        }
        for path in [secret.path, "/proc/\(getpid())/environ", "/etc/passwd"] {
            let found = try await fixture.attack(["path": path])
            #expect(found["opened"] as? Bool == false, "\(path): \(found)")
            #expect(found["errno"] as? Int == Int(EACCES), "\(path): \(found)")
        }
        let written = fixture.data.appendingPathComponent("written.txt")
        let found = try await fixture.attack(["path": written.path, "write": 1])
        #expect(found["opened"] as? Bool == true, "its data directory is its own: \(found)")
        await fixture.shutDownAndCheckNothingIsLeft()
    }

    @Test func theWorkerCannotConnectToTheHostsLoopback() async throws {
        let fixture = try await Fixture.make("hostile-connect")
        try fixture.requireFullIsolation()
        let listener = try Listener()
        defer { listener.close() }
        let found = try await fixture.attack(["port": Int(listener.port)])
        #expect(found["connected"] as? Bool == false, "\(found)")
        #expect(found["errno"] as? Int == Int(ECONNREFUSED), "its loopback is its own, and empty")
        await fixture.shutDownAndCheckNothingIsLeft()
    }

    /// With namespaces the kernel kills the grandchild with the namespace;
    /// without, the host sees the worker end through its pidfd and kills its
    /// process group. Either way the call fails at once, and nothing stays.
    @Test(arguments: [true, false])
    func aGrandchildHoldingTheSocketNeitherHangsTheHostNorOutlivesTheWorker(namespaces: Bool) async throws {
        let fixture = try await Fixture.make("hostile-grandchild") { sandbox in
            if !namespaces { sandbox.bubblewrapExecutable = nil }
        }
        let isolation = try fixture.status.isolation ?? ""
        if namespaces {
            try fixture.requireFullIsolation()
        } else {
            #expect(isolation.hasPrefix("partial: missing namespaces"), "\(isolation)")
        }
        let error = await #expect(throws: ConnectorHostError.self) { _ = try await fixture.attack([:]) }
        #expect(error?.code == .pluginCrashed)
        #expect(error?.message.contains("exited with status 9") == true, "\(error?.message ?? "")")
        await fixture.shutDownAndCheckNothingIsLeft()
    }

    @Test func allocationStopsAtTheMemoryLimit() async throws {
        let fixture = try await Fixture.make("hostile-memory") { $0.resources.memoryLimitMiB = 768 }
        let pid = try fixture.status.pid
        let found = try await fixture.attack([:])
        let allocated = try #require(found["allocatedMiB"] as? Int)
        #expect(allocated < 768, "the address space ends at the limit")
        #expect(try await fixture.workerSurvived(pid))
        await fixture.shutDownAndCheckNothingIsLeft()
    }

    @Test func aPluginDescriptorCannotLoosenTheOperatorsLimits() {
        var operatorLimits = WorkerResources()
        operatorLimits.memoryLimitMiB = 512
        var loose = ResiliencePolicy()
        loose.memoryLimitMiB = 4096
        loose.openFilesLimit = 16
        let effective = operatorLimits.tightened(by: loose)
        #expect(effective.memoryLimitMiB == 512)
        #expect(effective.openFilesLimit == 16)
        #expect(effective.processLimit == WorkerResources().processLimit)
    }

    @Test func startingAProgramIsDeniedUnlessAllowed() async throws {
        let fixture = try await Fixture.make("hostile-exec")
        let found = try await fixture.attack([:])
        #expect(found["execErrno"] as? Int == Int(EPERM), "\(found)")
        await fixture.shutDownAndCheckNothingIsLeft()

        // Allowed: the shell replaces the worker, which so ends (status 0).
        let allowed = try await Fixture.make("hostile-exec") { $0.allowExec = true }
        let error = await #expect(throws: ConnectorHostError.self) { _ = try await allowed.attack([:]) }
        #expect(error?.code == .pluginCrashed)
        #expect(error?.message.contains("exited with status 0") == true, "\(error?.message ?? "")")
        await allowed.shutDownAndCheckNothingIsLeft()
    }

    @Test func theIsolationLevelIsReported() async throws {
        let full = try await Fixture.make("hostile-environment")
        #expect(try full.status.isolation == "full")
        await full.shutDownAndCheckNothingIsLeft()

        let partial = try await Fixture.make("hostile-environment") { $0.bubblewrapExecutable = nil }
        let isolation = try partial.status.isolation ?? ""
        #expect(isolation.hasPrefix("partial: missing namespaces (bubblewrap is not installed"), "\(isolation)")
        await partial.shutDownAndCheckNothingIsLeft()

        let unfiltered = try await Fixture.make("hostile-environment") { $0.systemCallFilter = false }
        #expect(try unfiltered.status.isolation == "partial: missing seccomp (turned off in the host's settings)")
        await unfiltered.shutDownAndCheckNothingIsLeft()
    }

    /// Scanning takes the same path as serving: a file is not even read
    /// without the isolation the operator requires.
    @Test func requiredIsolationRefusesToScanOrRunWithoutIt() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: ["alpha.so": TestSupport.fixture("alpha")])
        var sandbox = SandboxSettings()
        sandbox.bubblewrapExecutable = nil
        sandbox.requireIsolation = true
        let report = try await ConnectorHost.discover(directory: directory.path, sandbox: sandbox, logger: TestSupport.quietLogger)
        let rejected = try #require(report.rejected.first)
        #expect(rejected.error.code == .unavailable)
        #expect(rejected.error.message.contains("full sandbox isolation is required"), "\(rejected.error.message)")

        sandbox.bubblewrapExecutable = SandboxSettings.defaultBubblewrapExecutable
        let accepted = try await ConnectorHost.discover(directory: directory.path, sandbox: sandbox, logger: TestSupport.quietLogger)
        #expect(accepted.plugins.map(\.description.manifest.name) == ["alpha"])
    }
}

/// A TCP listener on 127.0.0.1, on a port the kernel picks.
struct Listener {
    let descriptor: Int32
    let port: UInt16

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address -> Bool in
                bind(descriptor, address, length) == 0 && listen(descriptor, 4) == 0
                    && getsockname(descriptor, address, &length) == 0
            }
        }
        guard bound else {
            Glibc.close(descriptor)
            throw TestFailure("cannot listen on 127.0.0.1: errno \(errno)")
        }
        self.descriptor = descriptor
        port = UInt16(bigEndian: address.sin_port)
    }

    func close() {
        Glibc.close(descriptor)
    }
}
