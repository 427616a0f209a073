import Foundation

/// The ticket system of Tests/http/tickets_server.py on a free loopback port
/// (`make test` installs its packages into build/venv), as the library tests'
/// LoopbackServer starts it: it prints its port, and serves until its
/// standard input closes — when this object goes, or the test process ends.
final class TicketServer: Sendable {
    let port: Int
    private let input: FileHandle

    private init(port: Int, input: FileHandle) {
        self.port = port
        self.input = input
    }

    deinit {
        try? input.close()
    }

    static func start() throws -> TicketServer {
        let python = ServerFixture.root.appendingPathComponent("build/venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ServerTestFailure("\(python) is missing: run `make test`, which installs the test servers into build/venv")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [ServerFixture.root.appendingPathComponent("Tests/http/tickets_server.py").path]
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = Data()
        while !seen.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw ServerTestFailure("tickets_server.py did not start") }
            seen.append(chunk)
        }
        let line = String(decoding: seen, as: UTF8.self).split(separator: "\n").first ?? ""
        guard let port = Int(line.trimmingCharacters(in: .whitespaces)) else {
            throw ServerTestFailure("tickets_server.py printed no port: \(line)")
        }
        return TicketServer(port: port, input: input.fileHandleForWriting)
    }
}
