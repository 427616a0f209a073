import ConnectorHost
import ConnectorHostRegistry
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A server killed with SIGKILL in the middle of registrations restarts with a
/// consistent registry: no half registration, no block handed out twice.
@Suite(.timeLimit(.minutes(5))) struct DurabilityTests {
    /// `connector-host serve` as a process of its own.
    final class ServerProcess: Sendable {
        let process: Process
        let port: Int
        /// Connections to this process only: the next one may get its port.
        private let session = URLSession(configuration: .ephemeral)

        /// The binary: `$CONNECTOR_HOST_BIN` (set by `make test`) or the debug build.
        static let binary = ProcessInfo.processInfo.environment["CONNECTOR_HOST_BIN"].map {
            $0.hasPrefix("/") ? $0 : ServerFixture.root.appendingPathComponent($0).path
        } ?? ServerFixture.root.appendingPathComponent(".build/debug/connector-host").path

        /// - Parameter arguments: More options of `serve`.
        init(database: String, plugins: String, arguments: [String] = []) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = ["serve", "--plugins", plugins, "--db", database, "--port", "0", "--log-level", "error"]
                + arguments
            process.environment = ProcessInfo.processInfo.environment.merging(
                ["CONNECTOR_HOST_ADMIN_TOKEN": ServerFixture.adminToken]) { $1 }
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            var seen = Data()
            var port: Int?
            while port == nil {
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { break }
                seen.append(chunk)
                let text = String(decoding: seen, as: UTF8.self)
                if let range = text.range(of: #"on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                    port = Int(text[range].split(separator: ":").last ?? "")
                }
            }
            guard let port else { throw ServerTestFailure("the server did not start: \(String(decoding: seen, as: UTF8.self))") }
            self.process = process
            self.port = port
        }

        func request(_ method: String, _ path: String, json: Any? = nil) async throws -> (Int, [String: Any]) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/\(path)")!)
            request.httpMethod = method
            request.setValue(ServerFixture.adminToken, forHTTPHeaderField: "authToken")
            if let json { request.httpBody = try JSONSerialization.data(withJSONObject: json) }
            let (data, response) = try await session.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0,
                    (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
        }
    }

    @Test(arguments: RegistryBackend.allCases)
    func killedMidRegistrationTheRegistryStaysConsistent(_ backend: RegistryBackend) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("durability-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("plugins"), withIntermediateDirectories: true)
        let database = backend == .sqlite ? directory.appendingPathComponent("registry.sqlite").path : try await backend.newLocation()
        let local = ["--plugin-store", directory.appendingPathComponent("store").path,
                     "--connection-key", directory.appendingPathComponent("connection-key").path]
        let first = try ServerProcess(database: database, plugins: directory.appendingPathComponent("plugins").path, arguments: local)
        _ = try await first.request("POST", "admin/orgs", json: ["id": "acme", "name": "Acme"])

        // Registrations race the kill: some are acknowledged, some cut off.
        let acknowledged = await withTaskGroup(of: String?.self) { group in
            for index in 0..<80 {
                group.addTask {
                    guard let (status, body) = try? await first.request(
                        "POST", "orgs/acme/connector", json: ["name": "c\(index)", "version": "1"]
                    ), status == 200 else { return nil }
                    return body["id"] as? String
                }
            }
            var ids: [String] = []
            var killed = false
            for await id in group {
                if let id { ids.append(id) }
                if ids.count == 15, !killed {
                    kill(first.process.processIdentifier, SIGKILL)
                    killed = true
                }
            }
            return ids
        }
        first.process.waitUntilExit()
        #expect(first.process.terminationReason == .uncaughtSignal)
        #expect(acknowledged.count >= 15)

        let second = try ServerProcess(database: database, plugins: directory.appendingPathComponent("plugins").path, arguments: local)
        let (status, listing) = try await second.request("GET", "orgs/acme/connector")
        #expect(status == 200)
        let registrations = try #require(listing["registeredConnectorList"] as? [[String: Any]])
        let ids = Set(registrations.compactMap { $0["id"] as? String })
        #expect(Set(acknowledged).isSubset(of: ids), "every acknowledged registration survived")
        var blocks: [(Int, Int)] = []
        for registration in registrations {
            let endpoint = (registration["endpointEntityId"] as? String).flatMap(Int.init)
            let start = (registration["functionEntityStartId"] as? String).flatMap(Int.init)
            let end = (registration["functionEntityEndId"] as? String).flatMap(Int.init)
            #expect(registration["key"] is String, "whole registrations only")
            guard let endpoint, let start, let end else {
                Issue.record("a registration without its block: \(registration)")
                continue
            }
            #expect(start == endpoint + 1 && end == endpoint + 99)
            blocks.append((endpoint, end))
        }
        blocks.sort { $0.0 < $1.0 }
        for (a, b) in zip(blocks, blocks.dropFirst()) { #expect(a.1 < b.0, "blocks \(a) and \(b) overlap") }

        let (_, fresh) = try await second.request("POST", "orgs/acme/connector", json: ["name": "after", "version": "1"])
        let newEndpoint = try #require((fresh["endpointEntityId"] as? String).flatMap(Int.init))
        #expect(blocks.allSatisfy { $0.1 < newEndpoint }, "no block is handed out again")
        #expect(!ids.contains(fresh["id"] as? String ?? ""))
        second.process.interrupt()
        second.process.waitUntilExit()
        #expect(second.process.terminationStatus == 0, "SIGINT shuts down gracefully")
    }
}
