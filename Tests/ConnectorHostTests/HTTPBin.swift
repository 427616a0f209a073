import Foundation

/// httpbin from PyPI (`make test` installs it into build/venv), running on a
/// free loopback port for this test process: started on first use, and gone
/// when the process ends (it serves until its standard input closes).
final class HTTPBin: Sendable {
    let port: Int
    // Kept open for the process's life: closing it stops the server.
    private let input: FileHandle

    var url: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, input: FileHandle) {
        self.port = port
        self.input = input
    }

    /// The shared server.
    static func shared() throws -> HTTPBin {
        switch started {
        case .success(let server): return server
        case .failure(let error): throw error
        }
    }

    private static let started: Result<HTTPBin, TestFailure> = {
        let python = TestSupport.root.appendingPathComponent("build/venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            return .failure(TestFailure("\(python) is missing: run `make test`, which installs httpbin into build/venv"))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [TestSupport.root.appendingPathComponent("Tests/http/httpbin_server.py").path]
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
            return .failure(TestFailure("cannot start httpbin: \(error)"))
        }
        var seen = Data()
        while !seen.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { return .failure(TestFailure("httpbin did not start (is it installed in build/venv?)")) }
            seen.append(chunk)
        }
        let line = String(decoding: seen, as: UTF8.self).split(separator: "\n").first ?? ""
        guard let port = Int(line.trimmingCharacters(in: .whitespaces)) else {
            return .failure(TestFailure("httpbin printed no port: \(line)"))
        }
        return .success(HTTPBin(port: port, input: input.fileHandleForWriting))
    }()
}
