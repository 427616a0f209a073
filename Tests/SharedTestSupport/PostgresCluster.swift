import Foundation

/// A throwaway PostgreSQL cluster from Debian's packages, on a free loopback
/// port, for fleet-mode tests (Tests/postgres): one per test process, started
/// on first use and stopped when the process ends, however it ends (its
/// standard input closes). What blocks (starting it, psql) runs on a thread
/// of its own: the tests' cooperative threads, two on two cores, keep running.
public final class PostgresCluster: Sendable {
    /// The cluster's maintenance database, `postgres://…/postgres`.
    public let url: String
    private let input: FileHandle
    private let output: FileHandle

    private init(url: String, input: FileHandle, output: FileHandle) {
        self.url = url
        self.input = input
        self.output = output
    }

    deinit {
        try? input.close()
    }

    /// The process's cluster.
    public static func shared() async throws -> PostgresCluster {
        try await offThePool { try sharedCluster.get() }
    }

    private static let sharedCluster = Result<PostgresCluster, LoopbackServerFailure> { () throws(LoopbackServerFailure) in
        try launch()
    }

    /// A cluster of the caller's own, e.g. to stop and start without
    /// disturbing the other tests; it stops when the object goes.
    public static func start() async throws -> PostgresCluster {
        try await offThePool { try launch() }
    }

    private static func launch() throws(LoopbackServerFailure) -> PostgresCluster {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [LoopbackServer.root.appendingPathComponent("Tests/postgres/cluster_server.py").path]
        process.environment = ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": NSTemporaryDirectory()]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            throw LoopbackServerFailure("cannot start a PostgreSQL cluster: \(error)")
        }
        let line = readLine(from: output.fileHandleForReading)
        guard line.hasPrefix("postgres://") else {
            throw LoopbackServerFailure(
                "no PostgreSQL cluster started (`make test` installs Debian's postgresql package): \(line)"
            )
        }
        return PostgresCluster(url: line, input: input.fileHandleForWriting, output: output.fileHandleForReading)
    }

    /// A new, empty database on the cluster: its URL.
    public func newDatabase() async throws -> String {
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        _ = try await psql("CREATE DATABASE \(name)")
        return url.replacingOccurrences(of: "/postgres?", with: "/\(name)?")
    }

    /// The rows `sql` answers on `database` (a URL of this cluster), as psql
    /// prints them unaligned: one line per row, columns split by `|`.
    public func query(_ sql: String, database: String) async throws -> String {
        try await psql(sql, database: database, tuples: true)
    }

    private func psql(_ sql: String, database: String? = nil, tuples: Bool = false) async throws -> String {
        let answer = try await ChildProcess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1"] + (tuples ? ["-A", "-t"] : []) + [database ?? url, "-c", sql]
        )
        guard answer.status == 0 else { throw LoopbackServerFailure("psql failed: \(answer.errorText)") }
        return answer.outputText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the server (every connection to it is cut), keeping its data.
    public func down() async throws {
        try await offThePool { try self.run("down") }
    }

    /// Starts the stopped server again, on the same port.
    public func up() async throws {
        try await offThePool { try self.run("up") }
    }

    private func run(_ command: String) throws {
        try input.write(contentsOf: Data("\(command)\n".utf8))
        let line = Self.readLine(from: output)
        guard line == command else { throw LoopbackServerFailure("the PostgreSQL cluster did not go \(command): \(line)") }
    }

    private static func readLine(from handle: FileHandle) -> String {
        var seen = Data()
        while !seen.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            guard !chunk.isEmpty else { break }
            seen.append(chunk)
        }
        return String(decoding: seen, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
    }
}
