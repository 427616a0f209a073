import ConnectorHost
import Foundation
import Logging
import SharedTestSupport

/// Where the Makefile puts what the tests load, and helpers shared by the tests.
enum TestSupport {
    /// The repository root, found from this file's path.
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// build/plugins: the bundled plugins (`make plugins`).
    static let pluginDirectory = root.appendingPathComponent("build/plugins").path

    /// A fixture plugin built by `make fixtures`.
    static func fixture(_ name: String) -> String {
        root.appendingPathComponent("build/fixtures/\(name).so").path
    }

    /// A bundled plugin built by `make plugins`.
    static func plugin(_ name: String) -> String {
        root.appendingPathComponent("build/plugins/\(name).so").path
    }

    /// A logger that drops everything: plugins log on purpose in some tests.
    /// A started host, running (``ConnectorHost/run()``, which owns its
    /// workers' starts and supervision) as a `ServiceGroup` would run it,
    /// until the test shuts it down.
    static func runningHost(configuration: HostConfiguration, logger: Logger) async throws(ConnectorHostError) -> ConnectorHost {
        let host = try await ConnectorHost.start(configuration: configuration, logger: logger)
        // The test stands in for a ServiceGroup: run() returns once the test calls shutdown().
        Task { try? await host.run() }
        return host
    }

    static let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// A host configuration whose sandbox workers may write every directory
    /// ``temporaryDirectory()`` makes: there the tests' plugins keep their
    /// databases. Workers see nothing else of the host's files.
    static func configuration(pluginDirectory: String) -> HostConfiguration {
        var configuration = HostConfiguration(pluginDirectory: pluginDirectory)
        configuration.sandbox = sandbox
        return configuration
    }

    /// Sandbox settings whose workers may write the tests' temporary directories.
    static var sandbox: SandboxSettings {
        var settings = SandboxSettings()
        settings.dataDirectory = FileManager.default.temporaryDirectory.path
        if sanitized {
            // AddressSanitizer reserves terabytes of address space, and
            // LeakSanitizer traces the worker's own threads (ptrace).
            settings.resources = .unlimited
            settings.systemCallFilter = false
        }
        return settings
    }

    /// Set by `make test-leaks`: host and workers run under the sanitizers.
    static let sanitized = ProcessInfo.processInfo.environment["CONNECTOR_HOST_SANITIZED"] != nil

    /// A new empty directory under the system's temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("connector-host-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Copies files into a directory under the names given.
    static func populate(_ directory: URL, with files: [String: String]) throws {
        for (name, source) in files {
            try FileManager.default.copyItem(atPath: source, toPath: directory.appendingPathComponent(name).path)
        }
    }

    /// Parses a JSON object response.
    static func object(_ bytes: [UInt8]) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(String(decoding: bytes, as: UTF8.self))")
        }
        return object
    }

    /// Parses a JSON array response.
    static func array(_ bytes: [UInt8]) throws -> [[String: Any]] {
        guard let array = try JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]] else {
            throw TestFailure("not a JSON array of objects: \(String(decoding: bytes, as: UTF8.self))")
        }
        return array
    }

    /// Encodes a request.
    static func json(_ object: Any) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object))
    }
}

/// The host's error a call failed with; nil when it succeeded.
func hostError<Value>(_ work: () async throws(ConnectorHostError) -> Value) async -> ConnectorHostError? {
    do {
        _ = try await work()
        return nil
    } catch {
        return error
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs the built `connector-host` binary.
enum CLI {
    struct Result {
        let status: Int32
        let standardOutput: String
        let standardError: String
    }

    /// The binary: `$CONNECTOR_HOST_BIN` (set by `make test`) or the debug build.
    static let binary: String = ProcessInfo.processInfo.environment["CONNECTOR_HOST_BIN"].map {
        $0.hasPrefix("/") ? $0 : TestSupport.root.appendingPathComponent($0).path
    } ?? TestSupport.root.appendingPathComponent(".build/debug/connector-host").path

    /// Runs the binary. Each run scans afresh (no scan cache kept between
    /// runs) unless `environment` names a cache (`CONNECTOR_HOST_SCAN_CACHE`).
    static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) async throws -> Result {
        let outcome = try await ChildProcess.run(
            [binary] + arguments,
            environment: ProcessInfo.processInfo.environment.merging(
                ["CONNECTOR_HOST_SCAN_CACHE": "off"].merging(environment) { $1 }
            ) { $1 },
            directory: directory
        )
        return Result(status: outcome.status, standardOutput: outcome.outputText, standardError: outcome.errorText)
    }
}

/// The error a body throws, or nil when it succeeds.
func failure(of body: () async throws(ConnectorHostError) -> Void) async -> ConnectorHostError? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}
