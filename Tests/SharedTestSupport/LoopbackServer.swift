import Foundation

/// A real server from PyPI on a free loopback port (`make test` installs the
/// packages into build/venv; the scripts are in Tests/http): it prints its
/// port, and serves until its standard input closes — when this object goes,
/// or the test process ends, however it ends. Shared by the library's and the
/// server's tests.
public final class LoopbackServer: Sendable {
    public let port: Int
    // Closing it stops the server.
    private let input: FileHandle

    public var url: String { "http://127.0.0.1:\(port)" }

    /// The repository's root, for build/venv and Tests/http.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    private init(port: Int, input: FileHandle) {
        self.port = port
        self.input = input
    }

    deinit {
        try? input.close()
    }

    /// httpbin, shared by every test of the process.
    public static func httpbin() throws -> LoopbackServer {
        try sharedHTTPBin.get()
    }

    private static let sharedHTTPBin = Result<LoopbackServer, LoopbackServerFailure> { () throws(LoopbackServerFailure) in
        try start("httpbin_server.py")
    }

    /// Starts `script` of Tests/http with `arguments`.
    public static func start(_ script: String, _ arguments: [String] = []) throws(LoopbackServerFailure) -> LoopbackServer {
        let python = root.appendingPathComponent("build/venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw LoopbackServerFailure("\(python) is missing: run `make test`, which installs the test servers into build/venv")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [root.appendingPathComponent("Tests/http/\(script)").path] + arguments
        // Not the test run's environment: it is no worker of the run.
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw LoopbackServerFailure("cannot start \(script): \(error)")
        }
        var seen = Data()
        while !seen.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw LoopbackServerFailure("\(script) did not start (are its packages installed in build/venv?)") }
            seen.append(chunk)
        }
        let line = String(decoding: seen, as: UTF8.self).split(separator: "\n").first ?? ""
        guard let port = Int(line.trimmingCharacters(in: .whitespaces)) else {
            throw LoopbackServerFailure("\(script) printed no port: \(line)")
        }
        return LoopbackServer(port: port, input: input.fileHandleForWriting)
    }
}

/// Why a test server did not start.
public struct LoopbackServerFailure: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}
