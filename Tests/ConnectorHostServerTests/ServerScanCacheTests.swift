import ConnectorHost
import ConnectorHostRegistry
import Foundation
import SharedTestSupport
import Testing

/// The server's scan cache lives in its registry and keeps accepted scans too:
/// a restart over unchanged plugin files runs no plugin code, a changed file
/// is scanned again, and no registration secret is kept as text.
@Suite(.timeLimit(.minutes(5))) struct ServerScanCacheTests {
    static let scanLine = "scanning a plugin file in a throwaway worker"

    /// Registers each name in the registry of `directory` and builds its
    /// plugin into `plugins/`, with the secret given or the registration's.
    static func registerAndBuild(
        _ names: [String], in directory: URL, secret: (NewRegistration) -> String = { $0.secret }
    ) async throws -> [String: NewRegistration] {
        let registry = try await Registry(path: directory.appendingPathComponent("registry.sqlite").path)
        _ = try await registry.createOrg(id: "acme", name: "Acme", by: .admin)
        var registrations: [String: NewRegistration] = [:]
        for name in names {
            let new = try await registry.register(org: "acme", name: name, version: "1.0.0", by: .admin)
            try await PluginBuilder.build(
                name: name,
                registration: [
                    "key": new.registration.key, "secret": secret(new),
                    "endpointEntityId": String(new.registration.endpointEntityId),
                    "functionEntityStartId": String(new.registration.functionEntityIds.lowerBound),
                    "functionEntityEndId": String(new.registration.functionEntityIds.upperBound),
                ],
                into: directory.appendingPathComponent("plugins/\(name).so")
            )
            registrations[name] = new
        }
        return registrations
    }

    /// The files the scanning workers of a start read.
    static func scanned(_ log: CapturedLog) -> [String] {
        log.lines.filter { $0.message == scanLine }.compactMap { $0.metadata["scanning"] }.sorted()
    }

    @Test func aRestartScansOnlyChangedFilesAndKeepsNoSecret() async throws {
        let firstLog = CapturedLog()
        var registrations: [String: NewRegistration] = [:]
        let first = try await ServerFixture.start(over: .router, logger: firstLog.logger(level: .debug)) { directory in
            registrations = try await Self.registerAndBuild(["alpha", "beta"], in: directory)
        }
        let alpha = first.plugins.appendingPathComponent("alpha.so").path
        let beta = first.plugins.appendingPathComponent("beta.so").path
        #expect(Self.scanned(firstLog) == [alpha, beta])
        #expect(first.server.host.connectorNames == ["alpha", "beta"])
        await first.stop()

        let secondLog = CapturedLog()
        let second = try await ServerFixture.start(over: .router, reusing: first.directory, logger: secondLog.logger(level: .debug))
        #expect(Self.scanned(secondLog) == [], "no plugin code ran to start")
        #expect(second.server.host.connectorNames == ["alpha", "beta"], "admitted from the cache")
        // The worker a call starts loads the file, whose secret must match the kept digest.
        try await second.server.host.connector(named: "alpha").warmUp()
        #expect(try second.server.host.connector(named: "alpha").status.health == .healthy)
        await second.stop()

        var bytes = try Data(contentsOf: URL(fileURLWithPath: beta))
        bytes.append(0)
        try bytes.write(to: URL(fileURLWithPath: beta))
        let thirdLog = CapturedLog()
        let third = try await ServerFixture.start(over: .router, reusing: first.directory, logger: thirdLog.logger(level: .debug))
        #expect(Self.scanned(thirdLog) == [beta], "the changed file only")
        #expect(third.server.host.connectorNames == ["alpha", "beta"])
        await third.stop()

        let database = first.database
        let mode = try FileManager.default.attributesOfItem(atPath: database)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        for file in [database, database + "-wal", database + "-shm"] {
            guard let contents = FileManager.default.contents(atPath: file) else { continue }
            for (name, registration) in registrations {
                #expect(contents.range(of: Data(registration.secret.utf8)) == nil, "\(name)'s secret in \(file)")
            }
        }
    }

    /// A cache row that claims the registration's secret for a file built
    /// with another — as a forged row would — gets the file served by name,
    /// as the registry file is trusted; but its worker never runs: every
    /// start checks the file's own secret against the row's digest.
    @Test func aRowClaimingASecretTheFileLacksCannotRunIt() async throws {
        let server = try await ServerFixture.start(over: .router) { directory in
            let registrations = try await Self.registerAndBuild(["alpha"], in: directory) { _ in UUID().uuidString.lowercased() }
            let registry = try await Registry(path: directory.appendingPathComponent("registry.sqlite").path)
            let path = directory.appendingPathComponent("plugins/alpha.so").path
            var claimed = try await ConnectorHost.inspect(pluginAt: path, logger: ServerFixture.quietLogger)
            let secret = try #require(registrations["alpha"]?.secret)
            claimed.manifest.secret = PluginSecret(secret)
            await registry.store(.accepted(claimed), for: try ScanKey(path: path))
        }
        let connector = try server.server.host.connector(named: "alpha")
        let error = await #expect(throws: ConnectorHostError.self) { try await connector.warmUp() }
        #expect(error?.code == .conflict, "\(String(describing: error))")
        #expect(error?.message.contains("changed since it was scanned") == true)
        #expect(connector.status.health != .healthy)
        await server.stop()
    }

    /// Without the cache the same file is refused at discovery.
    @Test func aFileWithTheWrongSecretIsRejectedAgainFromTheCache() async throws {
        let first = try await ServerFixture.start(over: .router) { directory in
            _ = try await Self.registerAndBuild(["alpha"], in: directory) { _ in UUID().uuidString.lowercased() }
        }
        #expect(first.server.host.connectorNames == [])
        #expect(first.server.host.discovery.rejected.first?.error.code == .unauthorized)
        await first.stop()
        let log = CapturedLog()
        let second = try await ServerFixture.start(over: .router, reusing: first.directory, logger: log.logger(level: .debug))
        #expect(Self.scanned(log) == [], "the accepted scan came from the cache")
        #expect(second.server.host.connectorNames == [], "and its digest does not match the registration")
        #expect(second.server.host.discovery.rejected.first?.error.code == .unauthorized)
        await second.stop()
    }
}
